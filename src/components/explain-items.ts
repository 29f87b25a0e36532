/**
 * Lists the explain views show, computed from an explanation: near misses by how close they came,
 * suppressed-but-suspicious chains (one per DCOM server start), and a what-if diff of two runs.
 */
import type { CandidateView, ExplainView } from '../engine/worker/client';
import { candidateOfAlert, candidatesByKey, perView } from './explain-index';
import { candidateText } from './pins';

/** A near-miss row: the candidate it opens, and every spine candidate of the same chain. */
export interface NearMiss {
  readonly candidate: CandidateView;
  readonly spines: readonly string[];
  readonly keys: readonly string[];
  readonly offBy: string;
}

/** The worker's near-miss list (closest first, one row per chain) with its candidates resolved. */
export const nearMisses: (view: ExplainView) => readonly NearMiss[] = perView((view) => {
  const byKey = candidatesByKey(view);
  return view.nearMisses.flatMap(({ keys, spines, offBy }) => {
    const candidate = byKey.get(keys[0] ?? '');
    return candidate ? [{ candidate, spines, keys, offBy }] : [];
  });
});

const PROC = 'DeviceProcessEvents';

/** Suspicious suppressed chains, one per DCOM server start (its own candidate preferred). */
export const suspiciousChains: (view: ExplainView) => readonly CandidateView[] = perView((view) => {
  const all = view.candidates.filter((c) => c.suspicion !== null);
  const servers = new Set(all.filter((c) => c.table === PROC).map((c) => c.row));
  return all
    .filter(
      (c) => c.table === PROC || !(c.pathRows.find((p) => p.table === PROC)?.rows ?? []).some((r) => servers.has(r)),
    )
    .sort(
      (a, b) => (b.suspicion?.lolbins.length ?? 0) - (a.suspicion?.lolbins.length ?? 0) || (a.ms ?? 0) - (b.ms ?? 0),
    );
});

export interface DiffItem {
  readonly key: string;
  readonly label: string;
}

export interface WhatIfDiff {
  readonly alertsAdded: readonly DiffItem[];
  readonly alertsRemoved: readonly DiffItem[];
  readonly suspiciousAdded: readonly DiffItem[];
  readonly suspiciousRemoved: readonly DiffItem[];
}

function alertLabel(views: readonly ExplainView[], key: string): string {
  for (const v of views) {
    const c = candidateOfAlert(v).get(key);
    if (c) return candidateText(c);
  }
  return key;
}

export function whatIfDiff(before: ExplainView, after: ExplainView): WhatIfDiff {
  const was = new Set(before.alertKeys);
  const is = new Set(after.alertKeys);
  const sb = new Map(suspiciousChains(before).map((c) => [c.key, c]));
  const sa = new Map(suspiciousChains(after).map((c) => [c.key, c]));
  const item =
    (views: ExplainView[]) =>
    (key: string): DiffItem => ({ key, label: alertLabel(views, key) });
  return {
    alertsAdded: [...is].filter((k) => !was.has(k)).map(item([after, before])),
    alertsRemoved: [...was].filter((k) => !is.has(k)).map(item([before, after])),
    suspiciousAdded: [...sa.values()]
      .filter((c) => !sb.has(c.key))
      .map((c) => ({ key: c.key, label: candidateText(c) })),
    suspiciousRemoved: [...sb.values()]
      .filter((c) => !sa.has(c.key))
      .map((c) => ({ key: c.key, label: candidateText(c) })),
  };
}

/** A stage's operator text on one line, shortened for a table cell. */
export function stageText(stage: string, max = 80): string {
  const one = stage.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}
