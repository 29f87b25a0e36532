/**
 * The near-miss list: suppressed chains, closest first. One row per chain, not per spine candidate:
 * an RPC event and a DCOM start that fail at the same stage on the same pair of rows are one near
 * miss, opened through the DCOM start. The dashboard's table and the CLI's `--near-misses` CSV
 * both come from here.
 */
import { sortCooperative, type Cooperator } from '../execute/cooperate';
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
  groupChains(candidates, 0, candidates.length, chains);
  const { rows, order, cmp } = rankChains(chains);
  order.sort(cmp);
  const offBy = new Map<string, boolean>();
  return order.map((i) => nearMissOf(rows[i]!, offBy));
}

/** `nearMisses`, yielding to the event loop (and stopping when aborted) through `coop`. */
export async function nearMissesCooperative(
  candidates: readonly CandidateView[],
  coop: Cooperator,
): Promise<NearMissView[]> {
  const chains = new Map<string, CandidateView[]>();
  // Small steps, and the (cheap) due test before each: a checkpoint is never far behind its time.
  const step = 256;
  for (let start = 0; start < candidates.length; start += step) {
    if (coop.due()) await coop.checkpoint();
    groupChains(candidates, start, Math.min(candidates.length, start + step), chains);
  }
  await coop.checkpoint();
  const { rows, order: unsorted, cmp } = rankChains(chains);
  const order = await sortCooperative(unsorted, cmp, coop);
  const offBy = new Map<string, boolean>();
  const out: NearMissView[] = [];
  for (let i = 0; i < order.length; i++) {
    if ((i & 63) === 0 && coop.due()) await coop.checkpoint();
    out.push(nearMissOf(rows[order[i]!]!, offBy));
  }
  return out;
}

function groupChains(
  candidates: readonly CandidateView[],
  start: number,
  end: number,
  chains: Map<string, CandidateView[]>,
): void {
  for (let i = start; i < end; i++) {
    const c = candidates[i]!;
    if (c.state !== 'suppressed') continue;
    const k = chainOf(c);
    const list = chains.get(k);
    if (list) list.push(c);
    else chains.set(k, [c]);
  }
}

/** The chains (each its DCOM start first), their indices, and the order to sort those by (closest first). */
function rankChains(chains: ReadonlyMap<string, CandidateView[]>): {
  rows: CandidateView[][];
  order: number[];
  cmp: (i: number, j: number) => number;
} {
  const rows = [...chains.values()];
  const procFirst = (a: CandidateView, b: CandidateView): number => Number(b.table === PROC) - Number(a.table === PROC);
  for (const list of rows) if (list.length > 1) list.sort(procFirst);
  // Sort keys read once per chain (its first candidate), then a stable sort of chain indices.
  const n = rows.length;
  const vio = new Float64Array(n);
  const stage = new Float64Array(n);
  const ms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const c = rows[i]![0]!;
    vio[i] = violation(c);
    stage[i] = c.stageIndex;
    ms[i] = c.ms ?? 0;
  }
  const idx = Array.from({ length: n }, (_, i) => i);
  const byKey = (i: number, j: number): number => {
    const a = rows[i]![0]!.key;
    const b = rows[j]![0]!.key;
    return a < b ? -1 : a > b ? 1 : 0;
  };
  const cmp = (i: number, j: number): number =>
    vio[i]! - vio[j]! || stage[j]! - stage[i]! || ms[i]! - ms[j]! || byKey(i, j);
  return { rows, order: idx, cmp };
}

function nearMissOf(list: readonly CandidateView[], offBy: Map<string, boolean>): NearMissView {
  const keys = new Array<string>(list.length);
  const spines = new Array<string>(list.length);
  for (let k = 0; k < list.length; k++) {
    keys[k] = list[k]!.key;
    spines[k] = list[k]!.spine;
  }
  return { keys, spines, offBy: closeness(list[0]!, offBy) };
}

/** How far the candidate was from passing, as the table writes it (`1 s off`), or '' when not measurable. */
function closeness(c: CandidateView, isDiff: Map<string, boolean>): string {
  const v = c.failure?.violation;
  if (v === null || v === undefined) return '';
  const predicate = c.failure?.predicate ?? '';
  let diff = isDiff.get(predicate);
  if (diff === undefined) isDiff.set(predicate, (diff = /datetime_diff/.test(predicate)));
  return diff ? `${v} s off` : `${Number(v.toFixed(1))} s off`;
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
