/**
 * Explain mode: runs a query as written, but past the candidates' entry filters every `where`
 * annotates rows instead of dropping them, and inner joins keep unmatched rows with a "no partner"
 * note, within a bounded time horizon. Each candidate (a row of a spine let past its entry filter,
 * e.g. each rpcss network event and each DcomLaunch process start) then ends in exactly one state:
 * alert, or suppressed at a stage by a predicate with the values it saw.
 *
 * Generic: nothing here knows the DCOM rule. Spines default to the tabular lets that feed a join
 * directly and hold no join or summarize themselves; the horizon applies to joins the optimiser
 * can band (a key plus a bounded datetime_diff).
 */
import type { BandSpec, BoundQuery, BoundTabular, FilterNode, JoinNode } from '../bind/bound';
import { inputsOf } from '../bind/bound';
import { Cooperator } from '../execute/cooperate';
import { Executor, type ExecutionHooks } from '../execute/executor';
import { traceRow, type Lineage } from '../execute/lineage';
import { selectLineage } from '../execute/lineage';
import type { Relation } from '../execute/relation';
import { optimise } from '../plan/optimise';
import { makeTable, type Table } from '../table/table';
import { getValue } from '../table/column';
import { TICKS_PER_SECOND } from '../time/ticks';
import { describeFailures, type Failure } from './failures';

export interface ExplainOptions {
  /** Candidate horizon for banded joins, each way (default 60 s). */
  readonly horizonTicks?: bigint;
  /** Names of the spine lets (default: see module comment). */
  readonly spine?: readonly string[];
  /** A column of the spine tables to break the funnel down by (default DeviceName). */
  readonly groupColumn?: string;
  readonly signal?: AbortSignal;
  /** Yields and cancellation shared with the caller (default: one on `signal`). */
  readonly cooperator?: Cooperator;
}

/** One candidate: a base row of a spine table, and what became of it. */
export interface Candidate {
  readonly spine: string;
  readonly table: string;
  readonly row: number;
  readonly group: string;
  readonly state: 'alert' | 'suppressed';
  /** The first failure on the path that got furthest (null for alerts). */
  readonly failure: Failure | null;
  /** The other failures on that same path (later stages it would also have failed). */
  readonly alsoFailed: readonly Failure[];
  /** Result rows this candidate is part of (alerts). */
  readonly alertRows: readonly number[];
  /** Base rows of every table on the best path (for timelines and trees), by table name. */
  readonly pathRows: ReadonlyMap<string, readonly number[]>;
}

export interface FunnelStage {
  readonly nodeId: number;
  readonly stage: string;
  readonly kind: 'predicate' | 'no-partner';
  /** Candidates whose best path first fails here. */
  readonly suppressed: number;
  /** The same, by group (device). */
  readonly byGroup: ReadonlyMap<string, number>;
  /** By failing conjunct text. */
  readonly byPredicate: ReadonlyMap<string, number>;
}

export interface ExplainResult {
  /** The alerts (identical to a normal run's result). */
  readonly table: Table;
  readonly lineage: Lineage;
  readonly candidates: readonly Candidate[];
  readonly funnel: readonly FunnelStage[];
  readonly alerts: number;
  readonly spines: readonly string[];
}

/** Loop iterations between cooperative checkpoints (each reads the clock). */
const CHECK_EVERY = 512;

interface Terminal {
  readonly lineage: Lineage;
  readonly notes: readonly Failure[];
  readonly order: number;
}

/** Post-order position of every node: a later stage has a larger number. */
function stageOrder(plan: BoundQuery): Map<number, number> {
  const order = new Map<number, number>();
  let k = 0;
  const visit = (n: BoundTabular): void => {
    for (const c of inputsOf(n)) visit(c);
    if (!order.has(n.id)) order.set(n.id, k++);
  };
  plan.lets.forEach((l) => visit(l.plan));
  visit(plan.result);
  return order;
}

function containsKind(n: BoundTabular, kinds: ReadonlySet<string>): boolean {
  return kinds.has(n.kind) || inputsOf(n).some((c) => containsKind(c, kinds));
}

function defaultSpines(plan: BoundQuery): string[] {
  const fedToJoins = new Set<number>();
  const visit = (n: BoundTabular): void => {
    if (n.kind === 'Join') for (const side of [n.left, n.right]) if (side.kind === 'LetRef') fedToJoins.add(side.letId);
    inputsOf(n).forEach(visit);
  };
  plan.lets.forEach((l) => visit(l.plan));
  visit(plan.result);
  const blocking = new Set(['Join', 'Summarize', 'Union', 'Distinct', 'Count']);
  return plan.lets.filter((l) => fedToJoins.has(l.id) && !containsKind(l.plan, blocking)).map((l) => l.name);
}

/** The first Filter above a spine let's scan: it defines who is a candidate at all. */
function entryFilter(n: BoundTabular): FilterNode | null {
  let deepest: FilterNode | null = null;
  let cur: BoundTabular = n;
  for (;;) {
    if (cur.kind === 'Filter') deepest = cur;
    const inputs = inputsOf(cur);
    if (inputs.length !== 1) return deepest;
    cur = inputs[0]!;
  }
}

function scanIds(n: BoundTabular, out = new Set<number>()): Set<number> {
  if (n.kind === 'Scan') out.add(n.id);
  inputsOf(n).forEach((c) => scanIds(c, out));
  return out;
}

export async function explainQuery(
  plan: BoundQuery,
  tables: ReadonlyMap<string, Table>,
  options: ExplainOptions = {},
): Promise<ExplainResult> {
  const horizon = options.horizonTicks ?? 60n * TICKS_PER_SECOND;
  const coop = options.cooperator ?? new Cooperator(options.signal);
  const spines = options.spine ?? defaultSpines(plan);
  const spineLets = plan.lets.filter((l) => spines.includes(l.name));
  const entryIds = new Set(spineLets.map((l) => entryFilter(l.plan)?.id).filter((x): x is number => x !== undefined));
  const spineScans = new Map<number, string>();
  for (const l of spineLets) for (const id of scanIds(l.plan)) spineScans.set(id, l.name);

  // Which nodes sit downstream of a spine (their rows descend from candidates).
  const dependent = new Map<number, boolean>();
  const letDependent = new Map<number, boolean>();
  const isDependent = (n: BoundTabular): boolean => {
    const known = dependent.get(n.id);
    if (known !== undefined) return known;
    let d: boolean;
    if (n.kind === 'Scan') d = spineScans.has(n.id);
    else if (n.kind === 'LetRef') d = letDependent.get(n.letId) ?? false;
    else d = inputsOf(n).some(isDependent);
    dependent.set(n.id, d);
    return d;
  };
  for (const l of plan.lets) letDependent.set(l.id, isDependent(l.plan));
  isDependent(plan.result);

  // Bands the optimiser finds, widened to the horizon, for joins between two spine-dependent inputs.
  const bands = new Map<number, BandSpec>();
  const findBands = (n: BoundTabular): void => {
    if (n.kind === 'Join' && n.band) bands.set(n.id, n.band);
    inputsOf(n).forEach(findBands);
  };
  const optimised = optimise(plan);
  optimised.lets.forEach((l) => findBands(l.plan));
  findBands(optimised.result);

  const order = stageOrder(plan);
  const terminals: Terminal[] = [];
  const consumed = (node: { id?: number } | null, rel: Relation): Relation => {
    if (rel.notes === null) return rel;
    const live: number[] = [];
    for (let i = 0; i < rel.rowCount; i++) {
      const notes = rel.notes[i] as Failure[] | null;
      if (!notes || notes.length === 0) live.push(i);
      else if (node) terminals.push({ lineage: selectLineage(rel.lineage, Int32Array.of(i)), notes, order: 0 });
    }
    return rel.select(Int32Array.from(live)).withNotes(null);
  };

  const annotated = (node: FilterNode): boolean => !entryIds.has(node.id) && (dependent.get(node.id) ?? false);
  const hooks: ExecutionHooks = {
    filters: annotated,
    async filter(node, input, mask, inSets) {
      if (!annotated(node)) return undefined;
      const failures = await describeFailures(node, input, mask, inSets, coop);
      const notes = new Array<readonly unknown[] | null>(input.rowCount);
      for (let i = 0; i < input.rowCount; i++) {
        if (i % (CHECK_EVERY * 16) === 0) await coop.checkpoint();
        const prev = input.notes?.[i] ?? null;
        const f = failures.get(i);
        notes[i] = f ? [...(prev ?? []), ...f] : prev;
      }
      return input.withNotes(notes);
    },
    consume(node, input) {
      // `in` subqueries see live rows only (semantics unchanged); aggregates record what they drop.
      return consumed(node.kind === 'InTable' ? null : node, input);
    },
    unmatched(node: JoinNode, side) {
      const input = side === 'left' ? node.left : node.right;
      if (!dependent.get(input.id) && !(input.kind === 'LetRef' && letDependent.get(input.letId))) return undefined;
      const keys = node.keys
        .map((k) => `${node.left.schema[k.left]!.name} == ${node.right.schema[k.right]!.name}`)
        .join(', ');
      const band = bands.get(node.id);
      const within = band ? ` within ±${Number(horizon) / 1e7} s` : '';
      const failure: Failure = {
        nodeId: node.id,
        stage: node.text,
        kind: 'no-partner',
        predicate: keys,
        detail: `no matching row on the ${side === 'left' ? 'right' : 'left'} side of the join (${keys})${within}`,
        values: [],
        violation: null,
      };
      return failure;
    },
    band(node) {
      const b = bands.get(node.id);
      if (!b) return undefined;
      const lo = b.lo < -horizon ? b.lo : -horizon;
      const hi = b.hi > horizon ? b.hi : horizon;
      return { ...b, lo, hi };
    },
  };

  const exec = new Executor(plan, tables, { hooks, cooperator: coop });
  let rel = await exec.run();
  rel = consumed({ id: plan.result.id }, rel);
  const table = makeTable(
    'result',
    rel.schema,
    rel.schema.map((_, i) => rel.column(i)),
  );

  // Candidates: every spine base row that passed its entry filter, by table and row, in order.
  const groupColumn = options.groupColumn ?? 'DeviceName';
  interface Cand {
    spine: string;
    readonly table: string;
    readonly row: number;
    readonly alertRows: number[];
    alertPath: Map<string, number[]> | null;
    readonly paths: Terminal[];
  }
  const registry = new Map<string, Map<number, Cand>>();
  const ordered: Cand[] = [];
  const candOf = (table: string, row: number): Cand | undefined => registry.get(table)?.get(row);
  const addCandidate = (spine: string, table: string, row: number): void => {
    let byRow = registry.get(table);
    if (!byRow) registry.set(table, (byRow = new Map()));
    const known = byRow.get(row);
    if (known) {
      known.spine = spine;
      return;
    }
    const c: Cand = { spine, table, row, alertRows: [], alertPath: null, paths: [] };
    byRow.set(row, c);
    ordered.push(c);
  };
  // Rows past each entry filter (its plan slice is a scan and a filter: cheap to run again).
  for (const l of spineLets) {
    const f = entryFilter(l.plan);
    if (!f) continue;
    const tableName = findScanTable(l.plan);
    if (!tableName) continue;
    const r = await new Executor(plan, tables, { cooperator: coop }).exec(f);
    const lin = r.lineage;
    const direct = lin.kind === 'select' && lin.input.kind === 'base' ? lin.rows : null;
    for (let i = 0; i < r.rowCount; i++) {
      if (i % CHECK_EVERY === 0) await coop.checkpoint();
      if (direct) {
        if (direct[i]! >= 0) addCandidate(l.name, tableName, direct[i]!);
        continue;
      }
      for (const [, baseRows] of traceRow(lin, i)) for (const row of baseRows) addCandidate(l.name, tableName, row);
    }
  }

  /** The candidates behind a row, and the base rows of its path by table. */
  const candidatesOf = (lineage: Lineage, row: number): { cands: Cand[]; trace: Map<string, number[]> } => {
    const cands: Cand[] = [];
    const trace = traceRow(lineage, row);
    const byTable = new Map<string, number[]>();
    for (const [src, rows] of trace) {
      const known = byTable.get(src.table);
      byTable.set(src.table, known ? [...known, ...rows] : rows.slice());
    }
    for (const [src, rows] of trace) {
      if (!spineScans.has(src.scanId)) continue;
      for (const r of rows) {
        const c = candOf(src.table, r);
        if (c) cands.push(c);
      }
    }
    return { cands, trace: byTable };
  };

  for (let i = 0; i < table.rowCount; i++) {
    if (i % CHECK_EVERY === 0) await coop.checkpoint();
    const { cands, trace } = candidatesOf(rel.lineage, i);
    for (const c of cands) {
      c.alertRows.push(i);
      c.alertPath ??= trace;
    }
  }
  const pathTraces = new Map<Terminal, Map<string, number[]>>();
  let k = 0;
  for (const t of terminals) {
    if (k++ % CHECK_EVERY === 0) await coop.checkpoint();
    let firstOrder = Infinity;
    for (const f of t.notes) firstOrder = Math.min(firstOrder, order.get(f.nodeId) ?? 0);
    const term: Terminal = { ...t, order: firstOrder };
    const { cands, trace } = candidatesOf(t.lineage, 0);
    for (const cand of cands) cand.paths.push(term);
    if (cands.length > 0) pathTraces.set(term, trace);
  }

  // The group column's values per table (read once per table, not per candidate).
  const groupOf = new Map<string, (row: number) => string>();
  const groupReader = (name: string): ((row: number) => string) => {
    let read = groupOf.get(name);
    if (read) return read;
    const base = tables.get(name);
    const gi = base ? base.schema.findIndex((c) => c.name === groupColumn) : -1;
    const col = base && gi >= 0 ? base.columns[gi]! : null;
    read = col ? (row: number) => String(getValue(col, row) ?? '') : () => '';
    groupOf.set(name, read);
    return read;
  };
  const out: Candidate[] = [];
  const funnel = new Map<
    number,
    {
      stage: string;
      kind: Failure['kind'];
      suppressed: number;
      byGroup: Map<string, number>;
      byPredicate: Map<string, number>;
    }
  >();
  k = 0;
  for (const cand of ordered) {
    if (k++ % CHECK_EVERY === 0) await coop.checkpoint();
    const group = groupReader(cand.table)(cand.row);
    if (cand.alertRows.length > 0) {
      out.push({
        spine: cand.spine,
        table: cand.table,
        row: cand.row,
        group,
        state: 'alert',
        failure: null,
        alsoFailed: [],
        alertRows: cand.alertRows,
        pathRows: cand.alertPath ?? new Map(),
      });
      continue;
    }
    // The path that got furthest; among those, the one closest to passing.
    let best: Terminal | null = null;
    for (const p of cand.paths) {
      if (
        !best ||
        p.order > best.order ||
        (p.order === best.order && (firstOf(p).violation ?? Infinity) < (firstOf(best).violation ?? Infinity))
      )
        best = p;
    }
    const failure = best ? firstOf(best) : null;
    const sorted = best ? [...best.notes].sort((a, b) => (order.get(a.nodeId) ?? 0) - (order.get(b.nodeId) ?? 0)) : [];
    out.push({
      spine: cand.spine,
      table: cand.table,
      row: cand.row,
      group,
      state: 'suppressed',
      failure,
      alsoFailed: sorted.slice(1),
      alertRows: [],
      pathRows: best ? (pathTraces.get(best) ?? new Map()) : new Map([[cand.table, [cand.row]]]),
    });
    if (failure) {
      let st = funnel.get(failure.nodeId);
      if (!st)
        funnel.set(
          failure.nodeId,
          (st = {
            stage: failure.stage,
            kind: failure.kind,
            suppressed: 0,
            byGroup: new Map(),
            byPredicate: new Map(),
          }),
        );
      st.suppressed++;
      st.byGroup.set(group, (st.byGroup.get(group) ?? 0) + 1);
      st.byPredicate.set(failure.predicate, (st.byPredicate.get(failure.predicate) ?? 0) + 1);
    }
  }
  const funnelStages = [...funnel.entries()]
    .sort((a, b) => (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))
    .map(([nodeId, s]) => ({ nodeId, ...s }));
  return { table, lineage: rel.lineage, candidates: out, funnel: funnelStages, alerts: table.rowCount, spines };

  function firstOf(t: Terminal): Failure {
    let f = t.notes[0]!;
    for (const n of t.notes) if ((order.get(n.nodeId) ?? 0) < (order.get(f.nodeId) ?? 0)) f = n;
    return f;
  }
}

function findScanTable(n: BoundTabular): string | null {
  if (n.kind === 'Scan') return n.table;
  for (const c of inputsOf(n)) {
    const t = findScanTable(c);
    if (t) return t;
  }
  return null;
}
