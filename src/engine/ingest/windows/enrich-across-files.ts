import type { Table } from '../../table/table';
import type { IngestResult } from '../read-csv-table';
import { buildResults, type FileLedger } from './build-results';
import type { EventBundle } from './event-bundle';
import { loadedBundles } from './loaded-bundles';
import { resolveBundles } from './resolve-events';

/** Re-resolves the bundles behind `tables` together; old table -> its re-resolved result. */
function reresolve(tables: readonly Table[]): Map<Table, IngestResult> {
  const order: { bundle: EventBundle; ledger: FileLedger }[] = [];
  const seen = new Set<EventBundle>();
  for (const t of tables) {
    const b = loadedBundles.get(t);
    if (b !== undefined && !seen.has(b.bundle)) {
      seen.add(b.bundle);
      order.push(b);
    }
  }
  const out = new Map<Table, IngestResult>();
  if (order.length <= 1) return out;
  const fresh = new Map<EventBundle, IngestResult[]>();
  resolveBundles(order.map((o) => o.bundle)).forEach((res, i) => {
    // Both tables, even one that became empty, so every old table has its counterpart.
    const results = buildResults(res, order[i]!.ledger, true);
    for (const r of results) loadedBundles.set(r.table, order[i]!);
    fresh.set(res.bundle, results);
  });
  for (const t of tables) {
    const b = loadedBundles.get(t);
    const r = b === undefined ? undefined : fresh.get(b.bundle)?.find((f) => f.table.name === t.name);
    if (r !== undefined) out.set(t, r);
  }
  return out;
}

/**
 * Resolves the Windows-event tables of one load together, once all files are read: Sysmon EID 3
 * in one file and EID 1 in another, 4688 parents in a Security export, 5156 next to Sysmon
 * (schemas.md §7). Returns an array parallel to `results`: each Windows-event result replaced by
 * its re-resolved counterpart (rows merged across files, enriched, reports recomputed), every
 * other result unchanged. Idempotent; a load with at most one Windows-event file is returned as is.
 */
export function enrichAcrossFiles(results: readonly IngestResult[]): IngestResult[] {
  const map = reresolve(results.map((r) => r.table));
  return results.map((r) => map.get(r.table) ?? r);
}

/** `enrichAcrossFiles` for callers that keep only tables (the worker server): parallel to `tables`. */
export function enrichTablesAcrossFiles(tables: readonly Table[]): Table[] {
  const map = reresolve(tables);
  return tables.map((t) => map.get(t)?.table ?? t);
}
