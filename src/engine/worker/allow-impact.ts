/**
 * Allow-list impact: per entry, the candidates it suppresses (it is their first failure), how many
 * of those chains started processes and which. Dead entries suppress nothing; greedy ones hide more
 * than half of what reaches the allow-list stage. Background work in the worker: it checks its
 * cooperator per candidate (a chain's process tree costs up to a millisecond), so a detect asked
 * meanwhile never waits for the whole pass.
 */
import { Cooperator } from '../execute/cooperate';
import type { Table } from '../table/table';
import type { AllowImpact, CandidateView } from './explain-protocol';
import { dcomRowOf, offspringOf } from './suspicion';

const PROC = 'DeviceProcessEvents';

export async function allowImpact(
  candidates: readonly CandidateView[],
  allowList: readonly string[],
  p: Table | undefined,
  coop: Cooperator = new Cooperator(),
): Promise<AllowImpact[]> {
  // One pass over the candidates: those the allow-list stopped, by entry (case-folded as eqFold).
  let allowStage: number | null = null;
  const byEntry = new Map<string, CandidateView[]>();
  const isAllowFailure = new Map<string, boolean>();
  for (let i = 0; i < candidates.length; i++) {
    if ((i & 255) === 0 && coop.due()) await coop.checkpoint();
    const c = candidates[i]!;
    const f = c.failure;
    if (!f) continue;
    let allow = isAllowFailure.get(f.predicate);
    if (allow === undefined) isAllowFailure.set(f.predicate, (allow = /allowListedExecs/.test(f.predicate)));
    if (!allow) continue;
    allowStage ??= c.stageIndex;
    if (f.listEntry == null) continue;
    const k = f.listEntry.toLowerCase();
    const list = byEntry.get(k);
    if (list) list.push(c);
    else byEntry.set(k, [c]);
  }
  let reached = 0;
  if (allowStage !== null) for (const c of candidates) if (c.state === 'alert' || c.stageIndex >= allowStage) reached++;
  const out: AllowImpact[] = [];
  for (const entry of allowList) {
    const hit = byEntry.get(entry.toLowerCase()) ?? [];
    const chains = new Map<number, readonly string[]>();
    for (const c of hit) {
      if (!p) continue;
      if (coop.due()) await coop.checkpoint();
      const rows = c.pathRows.find((x) => x.table === PROC)?.rows ?? [];
      const dcom = c.table === PROC ? c.row : dcomRowOf(p, rows);
      if (dcom !== null && !chains.has(dcom)) chains.set(dcom, offspringOf(p, dcom).children);
    }
    const counts = new Map<string, number>();
    for (const kids of chains.values()) for (const k of new Set(kids)) counts.set(k, (counts.get(k) ?? 0) + 1);
    out.push({
      entry,
      active: true,
      suppressed: hit.length,
      chains: chains.size,
      withChildren: [...chains.values()].filter((k) => k.length > 0).length,
      children: [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
      dead: hit.length === 0,
      greedy: reached > 0 && hit.length * 2 > reached,
    });
  }
  return out;
}
