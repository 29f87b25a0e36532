/**
 * Every edit of the rule's inputs (allow-list, boot knob) re-checks the pins first: the edit is
 * applied at once when no pin breaks, and held for the analyst's decision when one would.
 */
import { useCallback, useState } from 'react';
import type { EngineClient, TuningInput } from '../engine/worker/client';
import { checkPins, pinCount, type PinStatus } from './pins';
import type { Pins, TuningState } from './tuning-state';

export interface PendingChange {
  readonly patch: Partial<TuningState>;
  readonly broken: readonly PinStatus[];
}

export interface PinGuard {
  readonly pending: PendingChange | null;
  /** Applies `patch` (which moves the rule to `next`) now, or holds it when it would break a pin. */
  readonly guard: (patch: Partial<TuningState>, current: TuningInput, next: TuningInput) => void;
  readonly confirm: () => void;
  readonly cancel: () => void;
}

export function usePinGuard(client: EngineClient, pins: Pins, apply: (patch: Partial<TuningState>) => void): PinGuard {
  const [pending, setPending] = useState<PendingChange | null>(null);
  const guard = useCallback(
    (patch: Partial<TuningState>, current: TuningInput, next: TuningInput) => {
      if (pinCount(pins) === 0) {
        apply(patch);
        return;
      }
      void Promise.all([client.explain(next), client.explain(current).catch(() => null)])
        .then(([after, before]) => {
          const broken = checkPins(pins, after, [before]).filter((p) => !p.ok);
          if (broken.length > 0) setPending({ patch, broken });
          else apply(patch);
        })
        // The check itself failed (e.g. no data): nothing can be verified, so the edit goes through.
        .catch(() => apply(patch));
    },
    [client, pins, apply],
  );
  const confirm = useCallback(() => {
    setPending((p) => {
      if (p) queueMicrotask(() => apply(p.patch));
      return null;
    });
  }, [apply]);
  const cancel = useCallback(() => setPending(null), []);
  return { pending, guard, confirm, cancel };
}
