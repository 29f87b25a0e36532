/**
 * The near-miss list: suppressed chains, closest first. One row per chain, not per spine candidate:
 * an RPC event and a DCOM start that fail at the same stage on the same pair of rows are one near
 * miss, opened through the DCOM start. The dashboard's table and the CLI's `--near-misses` CSV
 * both come from here.
 */
import { formatCsvRows } from '../output/format-results';
import type { CandidateView, ExplainView, NearMissView } from './explain-protocol';

const PROC = 'DeviceProcessEvents';

/**
 * The chain a suppressed candidate stands for: its failing stage and the base rows of its best
 * path. Candidates whose path holds rows of one table only (no partner found) stay apart.
 */
function chainOf(c: CandidateView): string {
  const parts: string[] = [];
  for (const p of c.pathRows) {
    if (p.rows.length === 0) continue;
    const rows = p.rows.length === 1 ? String(p.rows[0]) : [...p.rows].sort((a, b) => a - b).join(',');
    parts.push(`${p.table}:${rows}`);
  }
  if (parts.length < 2) return `own/${c.key}`;
  return `${c.failure?.nodeId ?? ''}/${parts.sort().join('|')}`;
}

const violation = (c: CandidateView): number => c.failure?.violation ?? Number.POSITIVE_INFINITY;

/** Suppressed chains, closest first: smallest measured violation, then the later stage, then time. */
export function nearMisses(candidates: readonly CandidateView[]): NearMissView[] {
  const chains = new Map<string, CandidateView[]>();
  for (const c of candidates) {
    if (c.state !== 'suppressed') continue;
    const k = chainOf(c);
    const list = chains.get(k);
    if (list) list.push(c);
    else chains.set(k, [c]);
  }
  const rows = [...chains.values()].map((list) =>
    [...list].sort((a, b) => Number(b.table === PROC) - Number(a.table === PROC)),
  );
  return rows
    .sort(
      ([a], [b]) =>
        violation(a!) - violation(b!) ||
        b!.stageIndex - a!.stageIndex ||
        (a!.ms ?? 0) - (b!.ms ?? 0) ||
        (a!.key < b!.key ? -1 : a!.key > b!.key ? 1 : 0),
    )
    .map((list) => ({ keys: list.map((c) => c.key), spines: list.map((c) => c.spine), offBy: closeness(list[0]!) }));
}

/** How far the candidate was from passing, as the table writes it (`1 s off`), or '' when not measurable. */
function closeness(c: CandidateView): string {
  const v = c.failure?.violation;
  if (v === null || v === undefined) return '';
  return /datetime_diff/.test(c.failure?.predicate ?? '') ? `${v} s off` : `${Number(v.toFixed(1))} s off`;
}

export const NEAR_MISS_COLUMNS = [
  'Rank',
  'OffBy',
  'Violation',
  'DeviceName',
  'Timestamp',
  'Spines',
  'Candidate',
  'RemoteIP',
  'DCOMFileName',
  'GapSeconds',
  'Stage',
  'Predicate',
  'Detail',
  'AllowListEntry',
  'CandidateKeys',
] as const;

/** The near-miss table as CSV (formulas neutralised unless `raw`). */
export function nearMissesCsv(view: ExplainView, options: { readonly raw?: boolean } = {}): string {
  const byKey = new Map(view.candidates.map((c) => [c.key, c]));
  const rows = view.nearMisses.map(({ spines, keys, offBy }, i) => {
    const c = byKey.get(keys[0]!)!;
    return [
      i + 1,
      offBy,
      c.failure?.violation ?? null,
      c.device,
      c.iso,
      spines.join(' + '),
      c.label,
      c.remoteIp,
      c.dcomFile,
      c.gap,
      (c.failure?.stage ?? '').replace(/\s+/g, ' ').trim(),
      c.failure?.predicate ?? '',
      c.failure?.detail ?? '',
      c.failure?.listEntry ?? '',
      keys.join(' '),
    ];
  });
  return formatCsvRows(NEAR_MISS_COLUMNS, rows, options);
}
