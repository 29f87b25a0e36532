/**
 * Pinned cases: an alert that must stay detected, a candidate that must stay quiet. Pure checks of
 * pins against an explanation (the current one, or a what-if's), with labels for the views.
 */
import type { CandidateView, ExplainView } from '../engine/worker/client';
import { candidateOfAlert, candidatesByKey } from './explain-index';
import type { Pins, TuningState } from './tuning-state';

export type PinKind = 'detected' | 'quiet';

export interface PinStatus {
  readonly kind: PinKind;
  readonly key: string;
  /** Device, time and what it is, from the explanation that knows the case. */
  readonly label: string;
  readonly ok: boolean;
  /** What the pin sees in this explanation, in words. */
  readonly now: string;
}

export const NO_PINS: Pins = { detected: [], quiet: [] };

export function pinsOf(state: TuningState): Pins {
  return state.pins ?? NO_PINS;
}

export function pinCount(p: Pins): number {
  return p.detected.length + p.quiet.length;
}

/** `pins` with `key` added to or removed from `kind`; null when no pin is left. */
export function togglePin(p: Pins, kind: PinKind, key: string, on: boolean): Pins | undefined {
  const list = p[kind].filter((k) => k !== key);
  const next = { ...p, [kind]: on ? [...list, key] : list };
  return pinCount(next) === 0 ? undefined : next;
}

export function candidateText(c: CandidateView): string {
  return `${c.device || '(no device)'} · ${c.iso ?? '?'} · ${c.dcomFile ?? c.label}`;
}

function alertCandidate(views: readonly (ExplainView | null)[], key: string): CandidateView | undefined {
  for (const v of views) {
    const c = v ? candidateOfAlert(v).get(key) : undefined;
    if (c) return c;
  }
  return undefined;
}

/** Each pin checked against `view`; `labels` are other explanations that may know the case (e.g. the current one). */
export function checkPins(p: Pins, view: ExplainView, labels: readonly (ExplainView | null)[] = []): PinStatus[] {
  const alerts = new Set(view.alertKeys);
  const out: PinStatus[] = [];
  for (const key of p.detected) {
    const c = alertCandidate([view, ...labels], key);
    const ok = alerts.has(key);
    const mine = c ? candidatesByKey(view).get(c.key) : undefined;
    out.push({
      kind: 'detected',
      key,
      label: c ? candidateText(c) : key,
      ok,
      now: ok ? 'detected' : mine?.failure ? `no longer detected: ${mine.failure.detail}` : 'no longer detected',
    });
  }
  for (const key of p.quiet) {
    const c = [view, ...labels].map((v) => (v ? candidatesByKey(v).get(key) : undefined)).find((x) => x !== undefined);
    const mine = candidatesByKey(view).get(key);
    const ok = mine?.state !== 'alert';
    out.push({
      kind: 'quiet',
      key,
      label: c ? candidateText(c) : key,
      ok,
      now: ok ? (mine?.failure ? `quiet: ${mine.failure.detail}` : 'quiet') : 'would fire an alert',
    });
  }
  return out;
}
