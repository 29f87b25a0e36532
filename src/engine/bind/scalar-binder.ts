/**
 * Scalar expressions: names to columns or scalar lets, literals, operators and functions resolved
 * through the registry (with constant folding), `in` lists flattened at bind time.
 */
import type { Call as CallNode, Expr, Span } from '../kql/ast';
import { assertNever } from '../kql/ast';
import type { DiagnosticCode } from '../kql/diagnostics';
import '../functions/index';
import { lookupAggregate, lookupScalar } from '../functions/registry';
import { constantColumn } from '../functions/vec';
import type { Scalar, ScalarType } from '../table/column';
import { getValue } from '../table/column';
import type { ColumnSchema } from '../table/table';
import type { BoundExpr, BoundTabular } from './bound';

export type LetBinding =
  | { readonly kind: 'scalar'; readonly expr: BoundExpr }
  | { readonly kind: 'tabular'; readonly letId: number; readonly schema: readonly ColumnSchema[] };

/** What scalar binding needs from the query binder around it. */
export interface ScalarContext {
  error(code: DiagnosticCode, message: string, span: Span): null;
  src(span: Span | null | undefined): string;
  lookupLet(name: string): LetBinding | undefined;
  tableSchema(name: string): readonly ColumnSchema[] | undefined;
  namesTabular(e: Expr): boolean;
  bindTabular(e: Expr): BoundTabular | null;
  readonly now: bigint;
}

const NOT_SUPPORTED_FUNCTIONS_HINT = 'see the README for the supported subset';

export class ScalarBinder {
  constructor(private readonly ctx: ScalarContext) {}

  bind(e: Expr, schema: readonly ColumnSchema[]): BoundExpr | null {
    switch (e.kind) {
      case 'Name': {
        const index = schema.findIndex((c) => c.name === e.name);
        if (index >= 0) return { kind: 'ColumnRef', index, name: e.name, type: schema[index]!.type };
        const b = this.ctx.lookupLet(e.name);
        if (b?.kind === 'scalar') return b.expr;
        if (b?.kind === 'tabular' || this.ctx.tableSchema(e.name))
          return this.ctx.error('KQL405', `'${e.name}' is a table, but a scalar is expected here`, e.span);
        return this.ctx.error('KQL401', `unknown column or name '${e.name}'`, e.span);
      }
      case 'Literal':
        return { kind: 'Constant', type: e.type, value: e.value };
      case 'Dynamic':
        return { kind: 'Constant', type: 'dynamic', value: e.value as Scalar };
      case 'Paren':
        return this.bind(e.expr, schema);
      case 'Unary': {
        const operand = this.bind(e.operand, schema);
        if (!operand) return null;
        return e.op === '+' ? operand : this.call('negate', [operand], e.span, []);
      }
      case 'Binary': {
        const l = this.bind(e.left, schema);
        const r = this.bind(e.right, schema);
        if (!l || !r) return null;
        return this.call(e.op, [l, r], e.span, [literalOf(l), literalOf(r)]);
      }
      case 'Between': {
        const x = this.bind(e.left, schema);
        const lo = this.bind(e.low, schema);
        const hi = this.bind(e.high, schema);
        if (!x || !lo || !hi) return null;
        return this.call(e.negated ? '!between' : 'between', [x, lo, hi], e.span, []);
      }
      case 'In':
        return this.bindIn(e, schema);
      case 'Call':
        return this.bindCall(e, schema);
      case 'Path':
        return this.ctx.error('KQL404', `$${e.side}.${e.name} can only appear in a join's on clause`, e.span);
      case 'Pipe':
      case 'Union':
      case 'Datatable':
      case 'Print':
        return this.ctx.error('KQL405', 'a tabular expression is not allowed here; a scalar is expected', e.span);
      default:
        return assertNever(e);
    }
  }

  private bindCall(e: CallNode, schema: readonly ColumnSchema[]): BoundExpr | null {
    if (e.name === 'now' || e.name === 'ago') {
      const now: BoundExpr = { kind: 'Constant', type: 'datetime', value: this.ctx.now };
      if (e.name === 'now') {
        if (e.args.length === 0) return now;
        const offset = this.bind(e.args[0]!, schema);
        return offset ? this.call('+', [now, offset], e.span, []) : null;
      }
      if (e.args.length !== 1) return this.ctx.error('KQL403', 'ago() takes one timespan argument', e.span);
      const span = this.bind(e.args[0]!, schema);
      return span ? this.call('-', [now, span], e.span, []) : null;
    }
    if (e.name === 'materialize')
      return this.ctx.error('KQL405', 'materialize() returns a table; a scalar is expected here', e.span);
    if (lookupAggregate(e.name) && !lookupScalar(e.name)) {
      return this.ctx.error('KQL405', `aggregate '${e.name}()' can only be used in summarize`, e.span);
    }
    const args: BoundExpr[] = [];
    for (const a of e.args) {
      const b = this.bind(a, schema);
      if (!b) return null;
      args.push(b);
    }
    if (!lookupScalar(e.name))
      return this.ctx.error(
        'KQL302',
        `function '${e.name}' is not supported (${NOT_SUPPORTED_FUNCTIONS_HINT})`,
        e.nameSpan,
      );
    return this.call(e.name, args, e.span, args.map(literalOf));
  }

  /** Resolves a registry function; folds it to a constant when every argument is constant. */
  private call(name: string, args: BoundExpr[], span: Span, literals: (Scalar | undefined)[]): BoundExpr | null {
    const def = lookupScalar(name);
    if (!def) return this.ctx.error('KQL302', `function '${name}' is not supported`, span);
    if (args.length < def.minArgs || args.length > def.maxArgs) {
      return this.ctx.error(
        'KQL403',
        `${name}() takes ${def.minArgs === def.maxArgs ? def.minArgs : `${def.minArgs} to ${def.maxArgs}`} arguments, got ${args.length}`,
        span,
      );
    }
    const r = def.resolve(
      args.map((a) => a.type),
      literals,
    );
    if (typeof r === 'string') return this.ctx.error('KQL402', r, span);
    const text = this.ctx.src(span);
    if (args.every((a) => a.kind === 'Constant')) {
      const cols = args.map((a) => constantColumn(a.type, (a as { value: Scalar }).value, 1));
      return { kind: 'Constant', type: r.type, value: getValue(r.fn.kernel(cols, 1), 0) };
    }
    return { kind: 'Call', fn: r.fn, args, type: r.type, text, span };
  }

  private bindIn(e: Extract<Expr, { kind: 'In' }>, schema: readonly ColumnSchema[]): BoundExpr | null {
    const left = this.bind(e.left, schema);
    if (!left) return null;
    const caseInsensitive = e.op === 'in~' || e.op === '!in~';
    const negated = e.op === '!in' || e.op === '!in~';
    const text = this.ctx.src(e.span);
    if (e.items.length === 1 && (isTabularSyntax(e.items[0]!) || this.ctx.namesTabular(e.items[0]!))) {
      const table = this.ctx.bindTabular(e.items[0]!);
      if (!table) return null;
      if (table.schema.length === 0)
        return this.ctx.error('KQL402', 'the tabular expression in `in` has no columns', e.items[0]!.span);
      return { kind: 'InTable', left, table, caseInsensitive, negated, type: 'bool', text, span: e.span };
    }
    const values: Scalar[] = [];
    for (const item of e.items) {
      if (isTabularSyntax(item))
        return this.ctx.error(
          'KQL303',
          'mixing a tabular expression with other values in `in` is not supported',
          item.span,
        );
      const b = this.bind(item, schema);
      if (!b) return null;
      if (b.kind !== 'Constant')
        return this.ctx.error(
          'KQL303',
          '`in` lists must hold constants (column references are not supported)',
          item.span,
        );
      flattenInto(values, b.value);
    }
    if (caseInsensitive && left.type !== 'string')
      return this.ctx.error('KQL402', `${e.op} needs a string on the left, got ${left.type}`, e.span);
    return { kind: 'InList', left, values, caseInsensitive, negated, type: 'bool', text, span: e.span };
  }

  /** A literal as a column type (datatable cells); undefined, with a diagnostic, when it does not fit. */
  constantValue(e: Expr, type: ScalarType): Scalar | undefined {
    const b = this.bind(e, []);
    if (!b) return undefined;
    if (b.kind !== 'Constant') {
      this.ctx.error('KQL402', 'datatable values must be literals', e.span);
      return undefined;
    }
    if (b.value === null) return type === 'string' ? '' : null;
    if (b.type === type || (isNumericType(b.type) && isNumericType(type))) return b.value;
    if (type === 'dynamic') return b.value;
    this.ctx.error('KQL402', `value of type ${b.type} in a ${type} column`, e.span);
    return undefined;
  }
}

function flattenInto(out: Scalar[], v: Scalar): void {
  // Nested arrays are flattened into a single list of values (in-operator docs).
  if (Array.isArray(v)) for (const x of v) flattenInto(out, x as Scalar);
  else out.push(v);
}

function literalOf(b: BoundExpr): Scalar | undefined {
  return b.kind === 'Constant' ? b.value : undefined;
}

export function isNumericType(t: ScalarType): boolean {
  return t === 'int' || t === 'long' || t === 'real';
}

/** Syntax that can only be tabular. */
export function isTabularSyntax(e: Expr): boolean {
  switch (e.kind) {
    case 'Pipe':
    case 'Union':
    case 'Datatable':
    case 'Print':
      return true;
    case 'Paren':
      return isTabularSyntax(e.expr);
    case 'Call':
      return e.name === 'materialize';
    default:
      return false;
  }
}
