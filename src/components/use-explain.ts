/** The explanation of the rule under `tuning`, fetched again whenever the tuning or the run changes. */
import { useEffect, useState } from 'react';
import type { EngineClient, ExplainView, TuningInput } from '../engine/worker/client';

export interface Explained {
  readonly view: ExplainView | null;
  readonly error: string | null;
  readonly loading: boolean;
}

interface Answer {
  /** The tuning and run the answer is for. */
  readonly for: string;
  readonly view: ExplainView | null;
  readonly error: string | null;
}

export function useExplain(client: EngineClient, tuning: TuningInput | null, stamp: string): Explained {
  const key = tuning === null ? '' : JSON.stringify(tuning);
  const [answer, setAnswer] = useState<Answer>({ for: '', view: null, error: null });
  useEffect(() => {
    if (key === '') return;
    const ctl = new AbortController();
    const want = `${key}\n${stamp}`;
    client
      .explain(JSON.parse(key) as TuningInput, { signal: ctl.signal })
      .then((view) => setAnswer({ for: want, view, error: null }))
      .catch((err: unknown) => {
        if (!ctl.signal.aborted)
          setAnswer({ for: want, view: null, error: err instanceof Error ? err.message : String(err) });
      });
    return () => ctl.abort();
  }, [client, key, stamp]);
  if (key === '') return { view: null, error: null, loading: false };
  const fresh = answer.for === `${key}\n${stamp}`;
  // While a new answer is on its way the last one stays on screen (no flicker on re-runs).
  return { view: answer.view, error: fresh ? answer.error : null, loading: !fresh };
}
