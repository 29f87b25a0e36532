/**
 * A candidate of explain mode opened like a hit: its best path's rows by role, the same timeline,
 * process tree and why panel, with the stage that stopped it marked (a ✗ stage on top of the why
 * panel, and `failure` for the timeline). Children come from the full process table when the path
 * stopped before the rule joined them, so an allow-listed server's shell is on the timeline too.
 */
import type { Table } from '../table/table';
import type { AlertRows } from './alert-provenance';
import type { CandidateView } from './explain-protocol';
import { detailFromRows, type HitContext } from './hit-detail';
import { processTree } from './process-tree';
import type { HitDetail, WhyStage } from './protocol';
import { eqFold, hasTerm, stringAt, ticksAt } from './row-record';

const NET = 'DeviceNetworkEvents';
const PROC = 'DeviceProcessEvents';

function rowsOf(c: CandidateView, table: string): readonly number[] {
  return c.pathRows.find((x) => x.table === table)?.rows ?? [];
}

export function candidateRows(
  tables: ReadonlyMap<string, Table>,
  c: CandidateView,
): { rows: AlertRows; lastBoot: bigint | null } {
  const p = tables.get(PROC);
  const n = tables.get(NET);
  const rpc = [...rowsOf(c, NET)];
  if (c.table === NET && !rpc.includes(c.row)) rpc.unshift(c.row);
  const dcom: number[] = [];
  const children: number[] = [];
  const boots: number[] = [];
  if (p) {
    const proc = new Set(rowsOf(c, PROC));
    if (c.table === PROC) proc.add(c.row);
    for (const r of [...proc].sort((a, b) => a - b)) {
      if (eqFold(stringAt(p, 'FileName', r), 'services.exe')) boots.push(r);
      else if (
        eqFold(stringAt(p, 'InitiatingProcessFileName', r), 'svchost.exe') &&
        hasTerm(stringAt(p, 'InitiatingProcessCommandLine', r), 'dcomlaunch')
      )
        dcom.push(r);
      else children.push(r);
    }
    const server = dcom[0];
    if (children.length === 0 && server !== undefined) {
      // The path stopped before the child join: show what the server really started.
      for (const node of processTree(p, { rpc: [], dcom: [server], boot: null, children: [] }))
        if (node.role === 'child' && node.record) children.push(node.record.row);
    }
  }
  let boot: number | null = null;
  let lastBoot: bigint | null = null;
  for (const r of boots) {
    const t = p ? ticksAt(p, 'Timestamp', r) : null;
    if (t !== null && (lastBoot === null || t > lastBoot)) {
      lastBoot = t;
      boot = r;
    }
  }
  const time = (t: Table | undefined) => (a: number, b: number) => {
    const ta = t ? (ticksAt(t, 'Timestamp', a) ?? 0n) : 0n;
    const tb = t ? (ticksAt(t, 'Timestamp', b) ?? 0n) : 0n;
    return ta < tb ? -1 : ta > tb ? 1 : a - b;
  };
  return { rows: { rpc: rpc.sort(time(n)), dcom, boot, children: children.sort(time(p)) }, lastBoot };
}

export function candidateDetail(tables: ReadonlyMap<string, Table>, c: CandidateView, ctx: HitContext): HitDetail {
  const { rows, lastBoot } = candidateRows(tables, c);
  const detail = detailFromRows(tables, rows, lastBoot, c.row, c.key, ctx);
  const marked: WhyStage[] = [];
  if (c.failure) {
    marked.push({
      stage: `Suppressed at: ${c.failure.stage.replace(/\s+/g, ' ')}`,
      checks: [{ predicate: c.failure.predicate, value: c.failure.detail, pass: false }],
    });
  }
  if (c.alsoFailed.length > 0) {
    marked.push({
      stage:
        'Later stages on the explain path (their inputs may already leave this candidate out, e.g. an `in` list of servers that passed)',
      checks: c.alsoFailed.map((f) => ({ predicate: f.predicate, value: f.detail, pass: false })),
    });
  }
  return { ...detail, why: [...marked, ...detail.why], failure: c.failure };
}
