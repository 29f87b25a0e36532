/**
 * The tuning state as React state, seeded from the URL hash and mirrored back into it (replaceState,
 * so the back button is not flooded) on every change: a reload keeps the analyst's work.
 */
import { useCallback, useEffect, useState } from 'react';
import { EMPTY_STATE, readStateHash, stateHash, type TuningState } from './tuning-state';

export interface Tuning {
  readonly state: TuningState;
  /** Problems met reading the hash at start (shown once). */
  readonly problems: readonly string[];
  readonly update: (patch: Partial<TuningState>) => void;
  readonly replace: (state: TuningState) => void;
}

function initial(): { state: TuningState; problems: string[] } {
  if (typeof location === 'undefined') return { state: EMPTY_STATE, problems: [] };
  return readStateHash(location.hash) ?? { state: EMPTY_STATE, problems: [] };
}

export function useTuning(): Tuning {
  const [{ state, problems }, set] = useState(initial);
  useEffect(() => {
    const hash = stateHash(state);
    if (hash === location.hash || (hash === '' && location.hash === '')) return;
    history.replaceState(null, '', `${location.pathname}${location.search}${hash}`);
  }, [state]);
  const update = useCallback(
    (patch: Partial<TuningState>) => set((s) => ({ state: { ...s.state, ...patch }, problems: [] })),
    [],
  );
  const replace = useCallback((next: TuningState) => set({ state: next, problems: [] }), []);
  return { state, problems, update, replace };
}
