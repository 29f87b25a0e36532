/**
 * The executor: runs a bound plan over in-memory tables, operator by operator, recording per-node
 * row counts and keeping provenance. It yields to the event loop between operators and honours an
 * AbortSignal, so a run inside a worker can be cancelled.
 */
import type {
  BandSpec,
  BoundExpr,
  BoundQuery,
  BoundTabular,
  FilterNode,
  InTableExpr,
  JoinNode,
  SortNode,
  SummarizeNode,
  UnionNode,
} from '../bind/bound';
import { assertNever } from '../kql/ast';
import type { Column, Scalar, StringColumn } from '../table/column';
import { columnFromValues, getValue, takeRows } from '../table/column';
import type { Table } from '../table/table';
import { buildInSet, evalExpr, selectTrue, type InSet, type InTableSets } from './eval-expr';
import { codeIndex, countHits, hitBits, indexedRows, keepByBits } from './code-index';
import { columnIds, groupIds } from './keys';
import type { Lineage, LineageSource } from './lineage';
import { joinRelations } from './join';
import type { PlanCache } from './plan-cache';
import { composeColumns, markReused, Relation, type LazyColumn } from './relation';
import { cellComparator } from './sort';
import { Cooperator } from './cooperate';
export { AbortError } from './cooperate';

export interface NodeStats {
  readonly id: number;
  rowsOut: number;
  /** True when the result came from the previous run's cache. */
  cached?: boolean;
  /** Wall time of the node itself, excluding its inputs (ms). */
  ms: number;
}

/**
 * Hooks that change how operators treat rows, without changing results in normal runs. Explain mode
 * (src/engine/explain) uses them to annotate rows instead of dropping them.
 */
export interface ExecutionHooks {
  /** Replaces a filter's selection; undefined keeps the normal one. */
  filter?(
    node: FilterNode,
    input: Relation,
    mask: Column,
    inSets: InTableSets,
  ): Relation | undefined | Promise<Relation | undefined>;
  /**
   * Whether `filter` wants this node at all (default: yes). A filter it does not want runs as in a
   * normal run: conjunct by conjunct, in batches with checkpoints, without a whole-input mask.
   */
  filters?(node: FilterNode): boolean;
  /** The rows an aggregating operator or an `in` subquery consumes (default: all). */
  consume?(node: BoundTabular | InTableExpr, input: Relation): Relation;
  /** For an inner join: a note to keep each unmatched row of `side` with (undefined: drop them). */
  unmatched?(node: JoinNode, side: 'left' | 'right'): unknown;
  /** Replaces a join's time band (undefined: use the plan's). */
  band?(node: JoinNode): BandSpec | undefined;
}

export interface ExecuteOptions {
  readonly signal?: AbortSignal;
  /** Shares yielding and cancellation with a caller's own loops (default: one on `signal`). */
  readonly cooperator?: Cooperator;
  readonly hooks?: ExecutionHooks;
  /** Results of a previous run to reuse where the plan is unchanged (not used with hooks). */
  readonly cache?: PlanCache;
}

/** Rows per filter batch: large enough to amortise per-batch work, small enough to cancel quickly. */
const FILTER_BATCH_ROWS = 1 << 18;

export class Executor {
  readonly stats = new Map<number, NodeStats>();
  readonly sources: LineageSource[] = [];
  private readonly letResults = new Map<number, Promise<Relation>>();
  private readonly cooperator: Cooperator;

  constructor(
    private readonly query: BoundQuery,
    private readonly tables: ReadonlyMap<string, Table>,
    private readonly options: ExecuteOptions = {},
  ) {
    this.cooperator = options.cooperator ?? new Cooperator(options.signal);
  }

  async run(): Promise<Relation> {
    return this.exec(this.query.result);
  }

  private checkpoint(): Promise<void> {
    return this.cooperator.checkpoint();
  }

  private record(node: BoundTabular, rel: Relation, started: number): Relation {
    this.stats.set(node.id, { id: node.id, rowsOut: rel.rowCount, ms: performance.now() - started });
    return rel;
  }

  async exec(node: BoundTabular): Promise<Relation> {
    const cache = this.options.hooks ? undefined : this.options.cache;
    if (!cache) return this.execNode(node);
    const key = cache.fingerprint(node, this.tables, this.query.lets);
    const hit = cache.get(key);
    if (hit) {
      this.stats.set(node.id, { id: node.id, rowsOut: hit.rowCount, ms: 0, cached: true });
      markReused(hit);
      return hit;
    }
    const rel = await this.execNode(node);
    cache.set(key, rel);
    return rel;
  }

  private async execNode(node: BoundTabular): Promise<Relation> {
    await this.checkpoint();
    switch (node.kind) {
      case 'Scan': {
        const t0 = performance.now();
        const table = this.tables.get(node.table);
        if (!table) throw new Error(`table ${node.table} is not loaded`);
        const source: LineageSource = { scanId: node.id, table: node.table };
        this.sources.push(source);
        // Columns by name: the loaded table may hold fewer or reordered columns. A column that
        // column pruning left out is never read by the plan; it is built (empty) only if it is.
        const cols = node.schema.map((c) => {
          const i = table.schema.findIndex((s) => s.name === c.name);
          if (i >= 0) return table.columns[i]!;
          let empty: Column | null = null;
          return () => (empty ??= columnFromValues(c.type, new Array<Scalar>(table.rowCount).fill(null)));
        });
        return this.record(
          node,
          Relation.fromColumns(node.schema, cols, table.rowCount, { kind: 'base', source, rowCount: table.rowCount }),
          t0,
        );
      }
      case 'LetRef': {
        let p = this.letResults.get(node.letId);
        if (!p) {
          const def = this.query.lets[node.letId]!;
          p = this.exec(def.plan);
          this.letResults.set(node.letId, p);
        }
        const rel = await p;
        this.stats.set(node.id, { id: node.id, rowsOut: rel.rowCount, ms: 0 });
        return rel;
      }
      case 'Filter': {
        const input = await this.exec(node.input);
        // The input's own work ran since this node's first checkpoint.
        await this.checkpoint();
        const t0 = performance.now();
        const sets = await this.inSets(node.predicate);
        const hooks = this.options.hooks;
        if (!hooks?.filter || hooks.filters?.(node) === false) {
          return this.record(node, await this.filterRows(node.predicate, input, sets), t0);
        }
        const mask = evalExpr(node.predicate, input, sets);
        const hooked = await hooks.filter(node, input, mask, sets);
        return this.record(node, hooked ?? input.select(selectTrue(mask)), t0);
      }
      case 'Project': {
        const input = await this.exec(node.input);
        await this.checkpoint();
        const t0 = performance.now();
        const cols: LazyColumn[] = [];
        for (const c of node.columns) {
          if (c.expr.kind === 'ColumnRef') cols.push(input.cols[c.expr.index]!);
          else cols.push(computedColumn(c.expr, input, await this.inSets(c.expr)));
        }
        return this.record(node, new Relation(node.schema, cols, input.rowCount, input.lineage, input.notes), t0);
      }
      case 'Summarize':
        return this.summarize(node);
      case 'Join':
        return this.join(node);
      case 'Take': {
        const input = await this.exec(node.input);
        const t0 = performance.now();
        const n = Math.min(node.count, input.rowCount);
        return this.record(node, input.select(Int32Array.from({ length: n }, (_, i) => i)), t0);
      }
      case 'Sort':
        return this.sort(node);
      case 'Distinct': {
        const input = this.consume(node, await this.exec(node.input));
        const t0 = performance.now();
        const cols = node.columns.map((c) => evalExpr(c.expr, input, new Map()));
        const ids = cols.map(columnIds);
        const { groups, groupCount, firstRow } = groupIds(ids, input.rowCount);
        const rel = Relation.fromColumns(node.schema, cols, input.rowCount, input.lineage).select(firstRow);
        return this.record(
          node,
          new Relation(rel.schema, rel.cols, groupCount, groupsLineage(groups, groupCount, input.lineage)),
          t0,
        );
      }
      case 'Count': {
        const input = this.consume(node, await this.exec(node.input));
        const t0 = performance.now();
        const col = columnFromValues('long', [input.rowCount]);
        const groups = new Int32Array(input.rowCount);
        return this.record(
          node,
          Relation.fromColumns(node.schema, [col], 1, groupsLineage(groups, 1, input.lineage)),
          t0,
        );
      }
      case 'Union':
        return this.union(node);
      case 'Values': {
        const t0 = performance.now();
        const cols = node.schema.map((c, j) =>
          columnFromValues(
            c.type,
            node.rows.map((r) => r[j] ?? null),
          ),
        );
        return this.record(node, Relation.fromColumns(node.schema, cols, node.rows.length, { kind: 'none' }), t0);
      }
      default:
        return assertNever(node);
    }
  }

  /** Evaluates every `x in (tabular)` inside an expression, once per run (its plan is cached like a let). */
  private async inSets(e: BoundExpr, acc = new Map<InTableExpr, InSet>()): Promise<Map<InTableExpr, InSet>> {
    switch (e.kind) {
      case 'ColumnRef':
      case 'Constant':
        return acc;
      case 'Call':
        for (const a of e.args) await this.inSets(a, acc);
        return acc;
      case 'InList':
        return this.inSets(e.left, acc);
      case 'InTable': {
        await this.inSets(e.left, acc);
        const rel = this.consume(e, await this.exec(e.table));
        const first = rel.column(0);
        const values: Scalar[] = [];
        if (first.type === 'string') {
          // Distinct values only: iterate the dictionary entries that occur.
          const seen = new Uint8Array(first.dict.length);
          for (let i = 0; i < first.length; i++) seen[first.codes[i]!] = 1;
          first.dict.forEach((s, d) => {
            if (seen[d]) values.push(s);
          });
        } else for (let i = 0; i < first.length; i++) values.push(getValue(first, i));
        acc.set(e, buildInSet(values, e.caseInsensitive));
        return acc;
      }
      default:
        return assertNever(e);
    }
  }

  /**
   * A large filter runs over row ranges, with a cancellation point between them, so a worker stays
   * cancellable on big tables. Each range gathers only the columns the predicate reads.
   */
  /**
   * Rows where the predicate is true. A conjunction is applied one conjunct at a time, each on the
   * rows the previous ones kept: a row passes `where a and b` exactly when a and b are both true
   * (Kleene: false or null in either drops it), so the result is the same while the later
   * conjuncts read only the surviving rows. The first conjunct over a large input runs in
   * batches of zero-copy slices, with a checkpoint between batches.
   */
  private async filterRows(predicate: BoundExpr, input: Relation, sets: InTableSets): Promise<Relation> {
    const parts = conjunctsOf(predicate);
    let rows: Int32Array;
    let rest: BoundExpr[];
    const indexed = input.lineage.kind === 'base' ? indexedStart(parts, input, sets) : null;
    if (indexed) ({ rows, rest } = indexed);
    else {
      rows = await this.firstConjunct(parts[0]!, input, sets);
      rest = parts.slice(1);
    }
    // input.select(rows) once a conjunct has read through it: the columns it gathered are reused
    // by the next conjuncts and the result (composed from them, not from the input's base columns).
    let kept: Relation | null = null;
    for (const part of rest) {
      if (rows.length === 0) break;
      await this.checkpoint();
      const known = indexed?.hits.get(part);
      if (known && kept === null) {
        // Test the kept rows against this conjunct's bitset (small, in cache, kept across runs)
        // rather than reading each kept row's code from the whole column.
        const bits = hitBits(codeIndex(known.column), known.hit, input.rowCount);
        rows = bits ? keepByBits(bits, rows) : keepByHits(known, rows);
        continue;
      }
      const cur: Relation = kept ?? input.select(rows);
      const hits = selectByDistinct(part, cur, sets) ?? selectTrue(evalExpr(part, cur, sets));
      if (hits.length === rows.length) {
        kept = cur;
        continue;
      }
      const next = new Int32Array(hits.length);
      for (let i = 0; i < hits.length; i++) next[i] = rows[hits[i]!]!;
      rows = next;
      kept = cur.select(hits);
    }
    return kept ?? input.select(rows);
  }

  private async firstConjunct(predicate: BoundExpr, input: Relation, sets: InTableSets): Promise<Int32Array> {
    const byDistinct = selectByDistinct(predicate, input, sets);
    if (byDistinct !== null) return byDistinct;
    if (input.rowCount <= 2 * FILTER_BATCH_ROWS) return selectTrue(evalExpr(predicate, input, sets));
    const kept: Int32Array[] = [];
    let total = 0;
    for (let start = 0; start < input.rowCount; start += FILTER_BATCH_ROWS) {
      if (start > 0) await this.checkpoint();
      const end = Math.min(input.rowCount, start + FILTER_BATCH_ROWS);
      const hits = selectTrue(evalExpr(predicate, input.slice(start, end), sets));
      for (let i = 0; i < hits.length; i++) hits[i]! += start;
      kept.push(hits);
      total += hits.length;
    }
    const out = new Int32Array(total);
    let at = 0;
    for (const k of kept) {
      out.set(k, at);
      at += k.length;
    }
    return out;
  }

  private consume(node: BoundTabular | InTableExpr, input: Relation): Relation {
    return this.options.hooks?.consume ? this.options.hooks.consume(node, input) : input;
  }

  private async summarize(node: SummarizeNode): Promise<Relation> {
    const raw = await this.exec(node.input);
    await this.checkpoint();
    const input = this.consume(node, raw);
    const t0 = performance.now();
    const n = input.rowCount;
    const keyCols: Column[] = [];
    for (const k of node.keys) keyCols.push(evalExpr(k.expr, input, await this.inSets(k.expr)));
    let groups: Int32Array;
    let groupCount: number;
    let firstRow: Int32Array;
    if (keyCols.length === 0) {
      // No `by`: exactly one row, even over an empty input (summarize-operator.md).
      groups = new Int32Array(n);
      groupCount = 1;
      firstRow = Int32Array.of(-1);
    } else {
      ({ groups, groupCount, firstRow } = groupIds(keyCols.map(columnIds), n));
    }
    const out: LazyColumn[] = keyCols.map((c) => ({ base: c, sel: firstRow }));
    for (const a of node.aggregates) {
      const args: Column[] = [];
      for (const x of a.args) args.push(evalExpr(x, input, await this.inSets(x)));
      out.push({ base: a.fn.kernel(args, groups, groupCount), sel: null });
    }
    return this.record(
      node,
      new Relation(node.schema, out, groupCount, groupsLineage(groups, groupCount, input.lineage)),
      t0,
    );
  }

  private async join(node: JoinNode): Promise<Relation> {
    const left = await this.exec(node.left);
    const right = await this.exec(node.right);
    await this.checkpoint();
    const t0 = performance.now();
    return this.record(node, joinRelations(node, left, right, this.options.hooks), t0);
  }

  private async sort(node: SortNode): Promise<Relation> {
    const input = await this.exec(node.input);
    const t0 = performance.now();
    const n = input.rowCount;
    const keys: Column[] = [];
    for (const k of node.keys) keys.push(evalExpr(k.expr, input, await this.inSets(k.expr)));
    const order = Array.from({ length: n }, (_, i) => i);
    const comparators = keys.map((c, j) => cellComparator(c, node.keys[j]!.descending, node.keys[j]!.nullsFirst));
    order.sort((a, b) => {
      for (const cmp of comparators) {
        const r = cmp(a, b);
        if (r !== 0) return r;
      }
      return a - b;
    });
    const limited = node.limit === null ? order : order.slice(0, node.limit);
    return this.record(node, input.select(Int32Array.from(limited)), t0);
  }

  private async union(node: UnionNode): Promise<Relation> {
    const inputs: Relation[] = [];
    for (const i of node.inputs) inputs.push(await this.exec(i));
    const t0 = performance.now();
    const total = inputs.reduce((s, r) => s + r.rowCount, 0);
    const cols = node.schema.map((c, j) => {
      const values: Scalar[] = [];
      inputs.forEach((rel, k) => {
        const at = node.mapping[k]!.indexOf(j);
        if (at < 0) for (let i = 0; i < rel.rowCount; i++) values.push(null);
        else {
          const col = rel.column(at);
          for (let i = 0; i < rel.rowCount; i++) values.push(getValue(col, i));
        }
      });
      return columnFromValues(c.type, values);
    });
    const lineage: Lineage = {
      kind: 'concat',
      parts: inputs.map((r) => r.lineage),
      counts: inputs.map((r) => r.rowCount),
    };
    return this.record(node, Relation.fromColumns(node.schema, cols, total, lineage), t0);
  }
}

/**
 * A projected expression, computed when first read: as a whole column when read as is, and on
 * the selected rows only when read through a later filter or join (scalar functions are functions
 * of their row's values, so computing on the selected rows equals gathering them from the whole
 * column; an empty row, -1, gets the type's empty value, as a gather gives it). A column nobody reads
 * is never computed.
 */
function computedColumn(e: BoundExpr, input: Relation, sets: InTableSets): LazyColumn {
  let whole: Column | null = null;
  const all = (): Column => (whole ??= evalExpr(e, input, sets));
  const onRows = (rows: Int32Array): Column =>
    evalExpr(e, new Relation(input.schema, composeColumns(input.cols, rows), rows.length, { kind: 'none' }), sets);
  return {
    base: all,
    sel: null,
    rowsOf: (rows) => {
      if (whole !== null || rows.length >= input.rowCount) return takeRows(all(), rows);
      let kept = 0;
      for (let i = 0; i < rows.length; i++) if (rows[i]! >= 0) kept++;
      if (kept === rows.length) return onRows(rows);
      const compact = new Int32Array(kept);
      const at = new Int32Array(rows.length);
      for (let i = 0, k = 0; i < rows.length; i++) {
        if (rows[i]! < 0) at[i] = -1;
        else {
          compact[k] = rows[i]!;
          at[i] = k++;
        }
      }
      return takeRows(onRows(compact), at);
    },
  };
}

function groupsLineage(groups: Int32Array, groupCount: number, input: Lineage): Lineage {
  const offsets = new Int32Array(groupCount + 1);
  for (let i = 0; i < groups.length; i++) offsets[groups[i]! + 1]!++;
  for (let g = 0; g < groupCount; g++) offsets[g + 1]! += offsets[g]!;
  const fill = offsets.slice(0, groupCount);
  const members = new Int32Array(groups.length);
  for (let i = 0; i < groups.length; i++) members[fill[groups[i]!]!++] = i;
  return { kind: 'groups', offsets, members, input };
}

/** The top-level `and` conjuncts of a predicate, in order. */
function conjunctsOf(e: BoundExpr): BoundExpr[] {
  if (e.kind === 'Call' && e.fn.name === 'and' && e.args.length === 2)
    return [...conjunctsOf(e.args[0]!), ...conjunctsOf(e.args[1]!)];
  return [e];
}

/** The one column an expression reads when all its other leaves are constants, else -1. */
function soleColumn(e: BoundExpr): number {
  let col = -1;
  let ok = true;
  const visit = (x: BoundExpr): void => {
    switch (x.kind) {
      case 'ColumnRef':
        if (col >= 0 && col !== x.index) ok = false;
        col = x.index;
        return;
      case 'Constant':
        return;
      case 'Call':
        x.args.forEach(visit);
        return;
      case 'InList':
      case 'InTable':
        visit(x.left);
        return;
    }
  };
  visit(e);
  return ok ? col : -1;
}

/** A conjunct over one string column, as its truth per dictionary entry (1 = true). */
interface DistinctHits {
  /** The column at the relation's rows. */
  readonly column: StringColumn;
  readonly hit: Uint8Array;
}

/**
 * A predicate over one string column (and constants), evaluated once per dictionary entry: the
 * predicate's own kernels run on the distinct values. Same truth as row by row (every scalar
 * function is a function of its row's values; strings are never null). null when the shape does
 * not apply or the dictionary is larger than `maxEntries`.
 */
function distinctHits(e: BoundExpr, rel: Relation, sets: InTableSets, maxEntries: number): DistinctHits | null {
  const j = soleColumn(e);
  if (j < 0) return null;
  const lc = rel.cols[j]!;
  const base = typeof lc.base === 'function' ? lc.base() : lc.base;
  if (base.type !== 'string' || base.dict.length > maxEntries) return null;
  // A selected column is gathered once (kept with the relation for the next readers).
  const col = lc.sel === null ? base : (rel.column(j) as StringColumn);
  const d = col.dict.length;
  const entries: StringColumn = {
    type: 'string',
    length: d,
    codes: Int32Array.from({ length: d }, (_, i) => i),
    dict: col.dict,
  };
  const unused = (): Column => {
    throw new Error('internal: per-distinct evaluation read a second column');
  };
  const cols: LazyColumn[] = rel.cols.map((_, i) => ({ base: i === j ? entries : unused, sel: null }));
  const lut = evalExpr(e, new Relation(rel.schema, cols, d, { kind: 'none' }), sets);
  if (lut.type !== 'bool') return null;
  const hit = new Uint8Array(d);
  for (let c = 0; c < d; c++) hit[c] = lut.values[c] === 1 && (lut.valid === null || lut.valid[c] === 1) ? 1 : 0;
  return { column: col, hit };
}

/**
 * Rows where a predicate over one string column (and constants) is true: its truth per dictionary
 * entry, then one pass over the rows' codes. null when the shape does not apply.
 */
function selectByDistinct(e: BoundExpr, rel: Relation, sets: InTableSets): Int32Array | null {
  const h = distinctHits(e, rel, sets, rel.rowCount);
  return h === null ? null : selectByHits(h, rel.rowCount);
}

function selectByHits({ column, hit }: DistinctHits, n: number): Int32Array {
  const codes = column.codes;
  // Branch-free: write every row index, advance past it only on a hit.
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    out[k] = i;
    k += hit[codes[i]!]!;
  }
  return k === n ? out : out.slice(0, k);
}

/** The rows of `rows` (rows of the column itself) whose code is a hit. */
function keepByHits({ column, hit }: DistinctHits, rows: Int32Array): Int32Array {
  const codes = column.codes;
  const n = rows.length;
  const out = new Int32Array(n);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    out[k] = r;
    k += hit[codes[r]!]!;
  }
  return k === n ? out : out.slice(0, k);
}

/**
 * The start of a filter over a table scan: the conjuncts over one string column (with a
 * dictionary small enough to evaluate per entry: at most 1/64 of the rows, or 256 entries) are counted through the column's code index
 * (execute/code-index), and the most selective one picks its rows from the index when they are
 * listed (else by a scan of the codes). The other string conjuncts then run on those rows, fewest
 * rows first, and the rest in their order. Exact: a row passes a conjunction only when every
 * conjunct is true, whatever the order, and every conjunct is a pure function of its row. null
 * when no conjunct qualifies (the filter then runs its conjuncts in order).
 */
function indexedStart(
  parts: readonly BoundExpr[],
  input: Relation,
  sets: InTableSets,
): {
  rows: Int32Array;
  rest: BoundExpr[];
  hits: Map<BoundExpr, DistinctHits>;
} | null {
  const n = input.rowCount;
  const hits = new Map<BoundExpr, DistinctHits>();
  const counts = new Map<BoundExpr, number>();
  for (const p of parts) {
    const h = distinctHits(p, input, sets, Math.max(256, n >>> 6));
    if (h === null) continue;
    hits.set(p, h);
    counts.set(p, countHits(codeIndex(h.column), h.hit));
  }
  if (hits.size === 0) return null;
  const strings = parts.filter((p) => hits.has(p)).sort((a, b) => counts.get(a)! - counts.get(b)!);
  const first = hits.get(strings[0]!)!;
  // Not listed (too common, or the column's first ask): a scan of the most selective one.
  const rows = indexedRows(codeIndex(first.column), first.hit, n) ?? selectByHits(first, n);
  return { rows, rest: [...strings.slice(1), ...parts.filter((p) => !hits.has(p))], hits };
}
