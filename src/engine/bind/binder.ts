/**
 * The binder: resolves names against table schemas and lets, types every expression through the
 * function registry, applies Kusto's output naming, and produces the bound tree (the logical plan).
 * It never throws on user text: problems become diagnostics with stable codes and spans.
 */
import type {
  Call as CallNode,
  ColumnExpr,
  Expr,
  JoinOp,
  Operator,
  Query,
  SortKey,
  Span,
  SummarizeOp,
} from '../kql/ast';
import { assertNever } from '../kql/ast';
import { makeDiagnostic, type Diagnostic, type DiagnosticCode } from '../kql/diagnostics';
import '../functions/index';
import { lookupAggregate } from '../functions/registry';
import type { Scalar } from '../table/column';
import type { ColumnSchema } from '../table/table';
import type {
  BoundAggregate,
  BoundExpr,
  BoundLet,
  BoundQuery,
  BoundTabular,
  JoinKind,
  NamedExpr,
  SortSpec,
} from './bound';
import { inferName, makeUniqueSchema, normaliseTypeName } from './naming';
import { isNumericType, isTabularSyntax, ScalarBinder, type LetBinding } from './scalar-binder';
import { makeNamesUnique } from './unique-names';

export interface BindOptions {
  /** Schema of a base table, or undefined when no such table is loaded. */
  readonly tableSchema: (name: string) => readonly ColumnSchema[] | undefined;
  /** The reference time for now() and ago(), in ticks. */
  readonly now: bigint;
}

export interface BindResult {
  readonly bound: BoundQuery | null;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Longest pipeline accepted. Real rules have tens of operators; later passes walk plans
 * recursively, so a bound keeps a hostile query to a clear error instead of a stack overflow.
 */
const MAX_PIPELINE_OPERATORS = 1000;

const JOIN_KINDS: Readonly<Record<string, JoinKind>> = {
  inner: 'inner',
  innerunique: 'innerunique',
  leftouter: 'leftouter',
  rightouter: 'rightouter',
  fullouter: 'fullouter',
  leftsemi: 'leftsemi',
  leftanti: 'leftanti',
  rightsemi: 'rightsemi',
  rightanti: 'rightanti',
  semi: 'leftsemi',
  anti: 'leftanti',
  leftantisemi: 'leftanti',
  rightantisemi: 'rightanti',
};

class Binder {
  readonly diagnostics: Diagnostic[] = [];
  private readonly scopes: Map<string, LetBinding>[] = [new Map()];
  private readonly lets: BoundLet[] = [];
  private nextId = 1;

  private readonly scalars: ScalarBinder;

  constructor(
    private readonly text: string,
    private readonly options: BindOptions,
  ) {
    this.scalars = new ScalarBinder({
      error: (code, message, span) => this.error(code, message, span),
      src: (span) => this.src(span),
      lookupLet: (name) => this.lookupLet(name),
      tableSchema: (name) => this.options.tableSchema(name),
      namesTabular: (e) => this.namesTabular(e),
      bindTabular: (e) => this.bindTabular(e),
      now: options.now,
    });
  }

  error(code: DiagnosticCode, message: string, span: Span): null {
    this.diagnostics.push(makeDiagnostic(this.text, code, message, span));
    return null;
  }

  src(span: Span | null | undefined): string {
    return span ? this.text.slice(span.start, span.end).replace(/\s+/g, ' ').trim() : '';
  }

  lookupLet(name: string): LetBinding | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) {
      const b = this.scopes[i]!.get(name);
      if (b) return b;
    }
    return undefined;
  }

  bindQuery(query: Query): BoundQuery | null {
    let result: BoundTabular | null = null;
    let sawResult = false;
    for (const st of query.statements) {
      if (st.kind === 'Let') {
        if (isTabularSyntax(st.value) || this.namesTabular(st.value)) {
          const plan = this.bindTabular(st.value);
          if (!plan) continue;
          const letId = this.lets.length;
          this.lets.push({ id: letId, name: st.name, plan });
          this.scopes[0]!.set(st.name, { kind: 'tabular', letId, schema: plan.schema });
        } else {
          const expr = this.bindScalar(st.value, []);
          if (expr) this.scopes[0]!.set(st.name, { kind: 'scalar', expr });
        }
      } else {
        sawResult = true;
        result = this.bindTabular(st.expr);
      }
    }
    if (!sawResult)
      this.error('KQL201', 'the query has no tabular expression to run (only let statements)', query.span);
    if (!result || this.diagnostics.some((d) => d.severity === 'error')) return null;
    // Which columns each table must provide is the planner's job (plan/required-columns).
    return { lets: this.lets, result, tables: new Map() };
  }

  /** Whether a bare name refers to a tabular let or a table (so a `let x = T;` is tabular). */
  namesTabular(e: Expr): boolean {
    if (e.kind === 'Name') {
      const b = this.lookupLet(e.name);
      if (b) return b.kind === 'tabular';
      return this.options.tableSchema(e.name) !== undefined;
    }
    if (e.kind === 'Paren') return this.namesTabular(e.expr);
    return false;
  }

  private id(): number {
    return this.nextId++;
  }

  // ------------------------------------------------------------------------------------------
  // Tabular expressions
  // ------------------------------------------------------------------------------------------

  /** Scalar expressions in the scope of this query's lets. */
  bindScalar(e: Expr, schema: readonly ColumnSchema[]): BoundExpr | null {
    return this.scalars.bind(e, schema);
  }

  bindTabular(e: Expr): BoundTabular | null {
    switch (e.kind) {
      case 'Name': {
        const b = this.lookupLet(e.name);
        if (b?.kind === 'tabular') {
          return {
            kind: 'LetRef',
            id: this.id(),
            name: e.name,
            letId: b.letId,
            schema: b.schema,
            text: e.name,
            span: e.span,
          };
        }
        if (b?.kind === 'scalar')
          return this.error('KQL405', `'${e.name}' is a scalar, but a table is expected here`, e.span);
        const schema = this.options.tableSchema(e.name);
        if (!schema)
          return this.error(
            'KQL401',
            `unknown table '${e.name}' (no such table is loaded and no let defines it)`,
            e.span,
          );
        return { kind: 'Scan', id: this.id(), table: e.name, schema, text: e.name, span: e.span };
      }
      case 'Paren':
        return this.bindTabular(e.expr);
      case 'Call':
        if (e.name === 'materialize') {
          if (e.args.length !== 1) return this.error('KQL403', 'materialize() takes one tabular argument', e.span);
          return this.bindTabular(e.args[0]!);
        }
        if (e.name === 'view' || e.name === 'toscalar')
          return this.error('KQL302', `function '${e.name}' is not supported`, e.nameSpan);
        return this.error(
          'KQL405',
          `'${this.src(e.span)}' is a scalar expression, but a table is expected here`,
          e.span,
        );
      case 'Pipe': {
        // Walk the pipeline iteratively: a hostile rule file may chain thousands of operators.
        const ops: Operator[] = [];
        let source: Expr = e;
        while (source.kind === 'Pipe') {
          ops.push(source.op);
          source = source.source;
        }
        if (ops.length > MAX_PIPELINE_OPERATORS) {
          return this.error(
            'KQL303',
            `a pipeline of ${ops.length} operators is longer than the ${MAX_PIPELINE_OPERATORS} supported`,
            e.span,
          );
        }
        let input = this.bindTabular(source);
        for (let i = ops.length - 1; i >= 0 && input; i--) input = this.bindOperator(input, ops[i]!);
        return input;
      }
      case 'Union':
        return this.bindUnion(null, e.tables, e.params, e.span);
      case 'Datatable': {
        const schema: ColumnSchema[] = [];
        for (const c of e.columns) {
          const t = normaliseTypeName(c.type);
          if (!t) return this.error('KQL402', `unknown column type '${c.type}'`, c.span);
          schema.push({ name: c.name, type: t });
        }
        if (schema.length === 0) return this.error('KQL201', 'datatable needs at least one column', e.span);
        if (e.values.length % schema.length !== 0)
          return this.error('KQL201', `datatable has ${e.values.length} values for ${schema.length} columns`, e.span);
        const rows: Scalar[][] = [];
        for (let i = 0; i < e.values.length; i += schema.length) {
          const row: Scalar[] = [];
          for (let j = 0; j < schema.length; j++) {
            const v = this.scalars.constantValue(e.values[i + j]!, schema[j]!.type);
            if (v === undefined) return null;
            row.push(v);
          }
          rows.push(row);
        }
        return {
          kind: 'Values',
          id: this.id(),
          schema: makeUniqueSchema(schema),
          rows,
          text: 'datatable',
          span: e.span,
        };
      }
      case 'Print': {
        const one: BoundTabular = {
          kind: 'Values',
          id: this.id(),
          schema: [],
          rows: [[]],
          text: 'print',
          span: e.span,
        };
        const cols: NamedExpr[] = [];
        let unnamed = 0;
        for (const c of e.columns) {
          const expr = this.bindScalar(c.expr, []);
          if (!expr) return null;
          cols.push({ name: c.name ?? `print_${unnamed++}`, expr });
        }
        return this.projectNode(one, cols, 'project', e.span);
      }
      case 'Literal':
      case 'Dynamic':
      case 'Unary':
      case 'Binary':
      case 'In':
      case 'Between':
      case 'Path':
        return this.error(
          'KQL405',
          `'${this.src(e.span)}' is a scalar expression, but a table is expected here`,
          e.span,
        );
      default:
        return assertNever(e);
    }
  }

  private projectNode(
    input: BoundTabular,
    columns: readonly NamedExpr[],
    operator: 'project' | 'extend' | 'project-away',
    span: Span,
  ): BoundTabular {
    const names = makeNamesUnique(columns.map((c) => c.name));
    const cols = columns.map((c, i) => ({ name: names[i]!, expr: c.expr }));
    return {
      kind: 'Project',
      id: this.id(),
      input,
      columns: cols,
      operator,
      schema: cols.map((c) => ({ name: c.name, type: c.expr.type })),
      text: this.src(span),
      span,
    };
  }

  private bindOperator(input: BoundTabular, op: Operator): BoundTabular | null {
    const text = this.src(op.span);
    switch (op.kind) {
      case 'Where': {
        const predicate = this.bindScalar(op.predicate, input.schema);
        if (!predicate) return null;
        if (predicate.type !== 'bool')
          return this.error('KQL402', `where needs a bool predicate, got ${predicate.type}`, op.predicate.span);
        return { kind: 'Filter', id: this.id(), input, predicate, schema: input.schema, text, span: op.span };
      }
      case 'Project': {
        const cols = this.bindColumnList(op.columns, input.schema, 'Column');
        return cols ? this.projectNode(input, cols, 'project', op.span) : null;
      }
      case 'Extend': {
        const added = this.bindColumnList(op.columns, input.schema, 'Column');
        if (!added) return null;
        const cols: NamedExpr[] = input.schema.map((c, index) => ({
          name: c.name,
          expr: { kind: 'ColumnRef', index, name: c.name, type: c.type },
        }));
        for (const a of added) {
          // An existing name is removed and appended with its new value (extend-operator.md).
          const at = cols.findIndex((c) => c.name === a.name);
          if (at >= 0) cols.splice(at, 1);
          cols.push(a);
        }
        return this.projectNode(input, cols, 'extend', op.span);
      }
      case 'ProjectAway': {
        const drop = new Set<string>();
        for (const n of op.names) {
          if (!input.schema.some((c) => c.name === n.name))
            return this.error('KQL401', `project-away: unknown column '${n.name}'`, n.span);
          drop.add(n.name);
        }
        const cols: NamedExpr[] = [];
        input.schema.forEach((c, index) => {
          if (!drop.has(c.name))
            cols.push({ name: c.name, expr: { kind: 'ColumnRef', index, name: c.name, type: c.type } });
        });
        return this.projectNode(input, cols, 'project-away', op.span);
      }
      case 'Summarize':
        return this.bindSummarize(input, op);
      case 'Join':
        return this.bindJoin(input, op);
      case 'Take': {
        const n = this.constantCount(op.count);
        if (n === null) return null;
        return { kind: 'Take', id: this.id(), input, count: n, schema: input.schema, text, span: op.span };
      }
      case 'Sort': {
        const keys = this.bindSortKeys(op.keys, input.schema);
        if (!keys) return null;
        return { kind: 'Sort', id: this.id(), input, keys, limit: null, schema: input.schema, text, span: op.span };
      }
      case 'Top': {
        const n = this.constantCount(op.count);
        const keys = this.bindSortKeys(op.keys, input.schema);
        if (n === null || !keys) return null;
        return { kind: 'Sort', id: this.id(), input, keys, limit: n, schema: input.schema, text, span: op.span };
      }
      case 'Distinct': {
        let cols: NamedExpr[];
        if (op.columns.length === 0) {
          cols = input.schema.map((c, index) => ({
            name: c.name,
            expr: { kind: 'ColumnRef', index, name: c.name, type: c.type },
          }));
        } else {
          const bound = this.bindColumnList(
            op.columns.map((expr) => ({ name: null, nameSpan: null, expr, span: expr.span })),
            input.schema,
            'Column',
          );
          if (!bound) return null;
          cols = bound;
        }
        const names = makeNamesUnique(cols.map((c) => c.name));
        const named = cols.map((c, i) => ({ name: names[i]!, expr: c.expr }));
        return {
          kind: 'Distinct',
          id: this.id(),
          input,
          columns: named,
          schema: named.map((c) => ({ name: c.name, type: c.expr.type })),
          text,
          span: op.span,
        };
      }
      case 'Count':
        return { kind: 'Count', id: this.id(), input, schema: [{ name: 'Count', type: 'long' }], text, span: op.span };
      case 'UnionOp':
        return this.bindUnion(input, op.tables, op.params, op.span);
      default:
        return assertNever(op);
    }
  }

  private bindUnion(
    first: BoundTabular | null,
    tables: readonly Expr[],
    params: readonly { name: string; value: string; span: Span }[],
    span: Span,
  ): BoundTabular | null {
    for (const p of params) {
      if (p.name !== 'kind' || (p.value !== 'outer' && p.value !== 'inner')) {
        return this.error('KQL303', `union parameter '${p.name}=${p.value}' is not supported`, p.span);
      }
      if (p.value === 'inner') return this.error('KQL303', 'union kind=inner is not supported', p.span);
    }
    const inputs: BoundTabular[] = first ? [first] : [];
    for (const t of tables) {
      const b = this.bindTabular(t);
      if (!b) return null;
      inputs.push(b);
    }
    // union kind=outer (the default): columns by name (and type) in order of first appearance.
    const schema: ColumnSchema[] = [];
    const mapping = inputs.map((inp) =>
      inp.schema.map((c) => {
        let at = schema.findIndex((s) => s.name === c.name && s.type === c.type);
        if (at < 0) {
          at = schema.length;
          const clash = schema.some((s) => s.name === c.name);
          // Same name, different type: Kusto suffixes the type (`x_long`, `x_string`).
          schema.push({ name: clash ? `${c.name}_${c.type}` : c.name, type: c.type });
        }
        return at;
      }),
    );
    return { kind: 'Union', id: this.id(), inputs, mapping, schema, text: this.src(span), span };
  }

  private constantCount(e: Expr): number | null {
    const b = this.bindScalar(e, []);
    if (!b) return null;
    if (b.kind !== 'Constant' || (b.type !== 'long' && b.type !== 'int') || b.value === null) {
      return this.error('KQL402', 'the row count must be a constant whole number', e.span);
    }
    return Math.max(0, Number(b.value));
  }

  private bindSortKeys(keys: readonly SortKey[], schema: readonly ColumnSchema[]): SortSpec[] | null {
    const out: SortSpec[] = [];
    for (const k of keys) {
      const expr = this.bindScalar(k.expr, schema);
      if (!expr) return null;
      // Kusto sorts descending by default; nulls go first ascending and last descending.
      const descending = k.direction !== 'asc';
      const nullsFirst = k.nulls === null ? !descending : k.nulls === 'first';
      out.push({ expr, descending, nullsFirst });
    }
    return out;
  }

  /** Binds `Name = expr` / bare `expr` items; unnamed items get Kusto's inferred names. */
  private bindColumnList(
    items: readonly ColumnExpr[],
    schema: readonly ColumnSchema[],
    prefix: string,
  ): NamedExpr[] | null {
    const out: NamedExpr[] = [];
    let unnamed = 1;
    for (const item of items) {
      const expr = this.bindScalar(item.expr, schema);
      if (!expr) return null;
      const name = item.name ?? inferName(item.expr) ?? `${prefix}${unnamed++}`;
      out.push({ name, expr });
    }
    return out;
  }

  private bindSummarize(input: BoundTabular, op: SummarizeOp): BoundTabular | null {
    const keys = this.bindColumnList(op.by, input.schema, 'Column');
    if (!keys) return null;
    const aggs: BoundAggregate[] = [];
    for (const item of op.aggregates) {
      let e = item.expr;
      while (e.kind === 'Paren') e = e.expr;
      if (e.kind !== 'Call' || !lookupAggregate(e.name)) {
        return this.error(
          'KQL303',
          `summarize needs an aggregate function call here (expressions over aggregates are not supported): '${this.src(item.expr.span)}'`,
          item.expr.span,
        );
      }
      const bound = this.bindAggregate(e, item.name, input.schema, keys);
      if (!bound) return null;
      aggs.push(...bound);
    }
    const names = makeNamesUnique([...keys.map((k) => k.name), ...aggs.map((a) => a.name)]);
    const namedKeys = keys.map((k, i) => ({ name: names[i]!, expr: k.expr }));
    const namedAggs = aggs.map((a, i) => ({ ...a, name: names[keys.length + i]! }));
    return {
      kind: 'Summarize',
      id: this.id(),
      input,
      keys: namedKeys,
      aggregates: namedAggs,
      schema: [
        ...namedKeys.map((k) => ({ name: k.name, type: k.expr.type })),
        ...namedAggs.map((a) => ({ name: a.name, type: a.type })),
      ],
      text: this.src(op.span),
      span: op.span,
    };
  }

  private bindAggregate(
    call: CallNode,
    explicitName: string | null,
    schema: readonly ColumnSchema[],
    keys: readonly NamedExpr[],
  ): BoundAggregate[] | null {
    const def = lookupAggregate(call.name)!;
    const text = this.src(call.span);
    if (call.name === 'arg_max' || call.name === 'arg_min') {
      if (call.args.length < 1) return this.error('KQL403', `${call.name}() needs at least one argument`, call.span);
      const by = this.bindScalar(call.args[0]!, schema);
      if (!by) return null;
      const outputs: NamedExpr[] = [{ name: inferName(call.args[0]!) ?? `${call.name}_`, expr: by }];
      for (const a of call.args.slice(1)) {
        if (a.kind === 'Name' && a.name === '*') {
          // `*` is every column but the one maximised and the plain `by` columns (K.L naming).
          const byColumns = new Set(keys.flatMap((k) => (k.expr.kind === 'ColumnRef' ? [k.expr.index] : [])));
          schema.forEach((c, index) => {
            if (!(by.kind === 'ColumnRef' && by.index === index) && !byColumns.has(index))
              outputs.push({ name: c.name, expr: { kind: 'ColumnRef', index, name: c.name, type: c.type } });
          });
          continue;
        }
        const b = this.bindScalar(a, schema);
        if (!b) return null;
        outputs.push({ name: inferName(a) ?? 'Column', expr: b });
      }
      const out: BoundAggregate[] = [];
      for (const [i, o] of outputs.entries()) {
        const r = def.resolve([by.type, o.expr.type]);
        if (typeof r === 'string') return this.error('KQL402', r, call.span);
        out.push({
          name: i === 0 && explicitName ? explicitName : o.name,
          fn: r.fn,
          args: [by, o.expr],
          type: r.type,
          text,
        });
      }
      return out;
    }
    if (call.args.length < def.minArgs || call.args.length > def.maxArgs) {
      return this.error(
        'KQL403',
        `${call.name}() takes ${def.minArgs === def.maxArgs ? def.minArgs : `${def.minArgs} to ${def.maxArgs}`} arguments, got ${call.args.length}`,
        call.span,
      );
    }
    const args: BoundExpr[] = [];
    for (const a of call.args) {
      const b = this.bindScalar(a, schema);
      if (!b) return null;
      args.push(b);
    }
    const r = def.resolve(args.map((a) => a.type));
    if (typeof r === 'string') return this.error('KQL402', r, call.span);
    const name = explicitName ?? def.defaultName(call.args.map((a) => inferName(a)));
    return [{ name, fn: r.fn, args, type: r.type, text }];
  }

  private bindJoin(left: BoundTabular, op: JoinOp): BoundTabular | null {
    let joinKind: JoinKind = 'innerunique';
    const hints: Record<string, string> = {};
    for (const p of op.params) {
      if (p.name === 'kind') {
        const k = JOIN_KINDS[p.value];
        if (!k) return this.error('KQL303', `join kind '${p.value}' is not supported`, p.span);
        joinKind = k;
      } else if (p.name.startsWith('hint.')) {
        // Hints don't change join semantics (join-operator.md); kept for the printer and explain.
        hints[p.name] = p.value;
      } else {
        return this.error('KQL303', `join parameter '${p.name}' is not supported`, p.span);
      }
    }
    const right = this.bindTabular(op.right);
    if (!right) return null;
    if (op.on.length === 0) return this.error('KQL404', 'join needs an on clause', op.span);
    const keys: { left: number; right: number }[] = [];
    for (const item of op.on) {
      let e = item;
      while (e.kind === 'Paren') e = e.expr;
      let ln: string;
      let rn: string;
      let span = e.span;
      if (e.kind === 'Name') {
        ln = rn = e.name;
      } else if (e.kind === 'Binary' && e.op === '==' && e.left.kind === 'Path' && e.right.kind === 'Path') {
        if (e.left.side !== 'left' || e.right.side !== 'right') {
          return this.error(
            'KQL404',
            'in a join condition the $left column must be on the left of == and the $right column on the right',
            e.span,
          );
        }
        ln = e.left.name;
        rn = e.right.name;
        span = e.span;
      } else {
        return this.error(
          'KQL404',
          `join conditions must be column names or $left.A == $right.B equalities, got '${this.src(e.span)}'`,
          e.span,
        );
      }
      const li = left.schema.findIndex((c) => c.name === ln);
      const ri = right.schema.findIndex((c) => c.name === rn);
      if (li < 0) return this.error('KQL401', `join: the left side has no column '${ln}'`, span);
      if (ri < 0) return this.error('KQL401', `join: the right side has no column '${rn}'`, span);
      const lt = left.schema[li]!.type;
      const rt = right.schema[ri]!.type;
      const comparable = lt === rt || (isNumericType(lt) && isNumericType(rt));
      if (!comparable || lt === 'dynamic')
        return this.error('KQL402', `join keys '${ln}' (${lt}) and '${rn}' (${rt}) cannot be compared`, span);
      keys.push({ left: li, right: ri });
    }
    let schema: ColumnSchema[];
    if (joinKind === 'leftsemi' || joinKind === 'leftanti') schema = [...left.schema];
    else if (joinKind === 'rightsemi' || joinKind === 'rightanti') schema = [...right.schema];
    else schema = makeUniqueSchema([...left.schema, ...right.schema]);
    return {
      kind: 'Join',
      id: this.id(),
      joinKind,
      left,
      right,
      keys,
      hints,
      schema,
      text: this.src(op.span),
      span: op.span,
    };
  }

  // ------------------------------------------------------------------------------------------
  // Scalar expressions
  // ------------------------------------------------------------------------------------------
}

/** Binds a parsed query. Never throws on user input. */
export function bindQuery(query: Query, text: string, options: BindOptions): BindResult {
  const binder = new Binder(text, options);
  let bound: BoundQuery | null = null;
  try {
    bound = binder.bindQuery(query);
  } catch (err) {
    binder.error('KQL406', `internal binder error: ${(err as Error).message}`, query.span);
  }
  return { bound, diagnostics: binder.diagnostics };
}

/** Exposed for tests of the let/operator machinery. */
export type { ColumnExpr };
