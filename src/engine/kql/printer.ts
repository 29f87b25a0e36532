import type { ColumnExpr, Expr, JsonValue, NamedParam, Operator, Query, SortKey, Statement } from './ast';
import { assertNever } from './ast';

/**
 * Prints a tree as KQL that parses back to the same tree (up to spans). Literals print their
 * `text`; `Paren` nodes print their parentheses, and parentheses are added only where a child
 * binds more loosely than its position allows, so hand-built trees print correctly too.
 */

/** Binding strength, lowest first; mirrors the parser's precedence levels. */
const enum Level {
  Pipe = 0,
  Or = 1,
  And = 2,
  Compare = 3,
  Additive = 4,
  Multiplicative = 5,
  Unary = 6,
  Primary = 7,
}

const INDENT = '    ';

/** Words the parser reads as syntax in some position; as names they are printed bracketed. */
const RESERVED = new Set([
  'and',
  'or',
  'by',
  'on',
  'let',
  'true',
  'false',
  'in',
  'between',
  'has',
  'contains',
  'startswith',
  'endswith',
  'asc',
  'desc',
  'nulls',
]);

function levelOf(e: Expr): Level {
  switch (e.kind) {
    case 'Pipe':
    case 'Union':
    case 'Datatable':
    case 'Print':
      return Level.Pipe;
    case 'Binary':
      switch (e.op) {
        case 'or':
          return Level.Or;
        case 'and':
          return Level.And;
        case '+':
        case '-':
          return Level.Additive;
        case '*':
        case '/':
        case '%':
          return Level.Multiplicative;
        default:
          return Level.Compare;
      }
    case 'In':
    case 'Between':
      return Level.Compare;
    case 'Unary':
      return Level.Unary;
    case 'Name':
    case 'Path':
    case 'Literal':
    case 'Dynamic':
    case 'Call':
    case 'Paren':
      return Level.Primary;
    default:
      return assertNever(e);
  }
}

/** Does the printed form of `e` end in a comma-separated list that a following `, x` would extend? */
function endsWithList(e: Expr): boolean {
  switch (e.kind) {
    case 'Union':
    case 'Print':
      return true;
    case 'Pipe':
      switch (e.op.kind) {
        case 'Where':
        case 'Take':
        case 'Count':
          return false;
        case 'Distinct':
          return e.op.columns.length > 0;
        case 'Project':
        case 'ProjectAway':
        case 'Extend':
        case 'Summarize':
        case 'Join':
        case 'Sort':
        case 'Top':
        case 'UnionOp':
          return true;
        default:
          return assertNever(e.op);
      }
    default:
      return false;
  }
}

/** A column or table name as written: bare when it lexes as one identifier, else `['...']`. */
export function printName(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !RESERVED.has(name) ? name : `[${quote(name)}]`;
}

/** A double-quoted KQL string literal; JSON's escapes are a subset of KQL's. */
function quote(s: string): string {
  return JSON.stringify(s);
}

function printJson(v: JsonValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return quote(v);
  // String(-0) is '0', which would parse back as a different value.
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${(v as readonly JsonValue[]).map(printJson).join(', ')}]`;
  const bag = v as { readonly [key: string]: JsonValue };
  return `{${Object.keys(bag)
    .map((k) => `${quote(k)}: ${printJson(bag[k] ?? null)}`)
    .join(', ')}}`;
}

/** A nested pipeline up to this many characters stays on one line. */
const FLAT_WIDTH = 80;

class Printer {
  /** `flat`: every pipeline on one line (used to measure whether a nested one fits). */
  constructor(
    private readonly indent: string,
    private readonly flat = false,
  ) {}

  private nested(): Printer {
    return new Printer(this.indent + INDENT, this.flat);
  }

  /** `e` in a position that needs at least `min` binding strength; parenthesised otherwise. */
  at(e: Expr, min: Level): string {
    if (levelOf(e) >= min) return this.expr(e);
    return `(${this.nested().expr(e)})`;
  }

  expr(e: Expr): string {
    switch (e.kind) {
      case 'Name':
        return e.bracketed ? `[${quote(e.name)}]` : e.name;
      case 'Path':
        return `$${e.side}.${e.name}`;
      case 'Literal':
        return e.text;
      case 'Dynamic':
        return `dynamic(${printJson(e.value)})`;
      case 'Unary':
        return `${e.op}${this.at(e.operand, Level.Unary)}`;
      case 'Binary': {
        const level = levelOf(e);
        // Comparisons do not chain, so both sides must bind tighter; the others are left-associative.
        const leftMin = level === Level.Compare ? Level.Additive : level;
        const rightMin = level === Level.Compare ? Level.Additive : ((level + 1) as Level);
        return `${this.at(e.left, leftMin)} ${e.op} ${this.at(e.right, rightMin)}`;
      }
      case 'In':
        return `${this.at(e.left, Level.Additive)} ${e.op} (${this.items(e.items)})`;
      case 'Between':
        return `${this.at(e.left, Level.Additive)} ${e.negated ? '!between' : 'between'} (${this.at(e.low, Level.Additive)} .. ${this.at(e.high, Level.Additive)})`;
      case 'Call':
        return `${e.name}(${this.items(e.args)})`;
      case 'Paren':
        return `(${this.nested().expr(e.expr)})`;
      case 'Pipe': {
        // Walk the left-nested chain iteratively: one decision per pipeline, not per operator.
        const ops: Operator[] = [];
        let base: Expr = e;
        while (base.kind === 'Pipe') {
          ops.push(base.op);
          base = base.source;
        }
        ops.reverse();
        const head = this.expr(base);
        if (this.flat) return [head, ...ops.map((o) => this.operator(o))].join(' | ');
        if (this.indent !== '') {
          const oneLine = new Printer('', true).expr(e);
          if (oneLine.length <= FLAT_WIDTH && !oneLine.includes('\n')) return oneLine;
        }
        return head + ops.map((o) => `\n${this.indent}| ${this.operator(o)}`).join('');
      }
      case 'Union':
        return `union ${this.params(e.params)}${e.tables.map((t) => this.table(t)).join(', ')}`;
      case 'Datatable':
        return `datatable(${e.columns.map((c) => `${printName(c.name)}: ${c.type}`).join(', ')}) [${e.values.map((v) => this.at(v, Level.Or)).join(', ')}]`;
      case 'Print':
        return `print ${this.columns(e.columns)}`;
      default:
        return assertNever(e);
    }
  }

  /**
   * One item of a comma list (`in (...)`, call arguments). A tabular item that ends in its own
   * comma list (`T | project a, b`) would swallow the next item, so it is parenthesised unless last.
   */
  private item(e: Expr, last: boolean): string {
    const inner = this.nested();
    // Wrapped exactly as a `Paren` node would print here, so print(parse(print(t))) is stable.
    return !last && endsWithList(e) ? `(${inner.nested().expr(e)})` : inner.expr(e);
  }

  private items(es: readonly Expr[]): string {
    return es.map((e, i) => this.item(e, i === es.length - 1)).join(', ');
  }

  /** A join/union operand: a bare name, or any other tabular expression in parentheses. */
  private table(e: Expr): string {
    if (e.kind === 'Name') return this.expr(e);
    return `(${this.nested().expr(e)})`;
  }

  private params(ps: readonly NamedParam[]): string {
    return ps.map((p) => `${p.name}=${p.value} `).join('');
  }

  private columns(cs: readonly ColumnExpr[]): string {
    return cs
      .map((c) => (c.name === null ? this.at(c.expr, Level.Or) : `${printName(c.name)} = ${this.at(c.expr, Level.Or)}`))
      .join(', ');
  }

  private sortKeys(keys: readonly SortKey[]): string {
    return keys
      .map((k) =>
        [this.at(k.expr, Level.Or), k.direction, k.nulls === null ? null : `nulls ${k.nulls}`]
          .filter((x) => x !== null)
          .join(' '),
      )
      .join(', ');
  }

  operator(op: Operator): string {
    switch (op.kind) {
      case 'Where':
        return `${op.keyword} ${this.at(op.predicate, Level.Or)}`;
      case 'Project':
        return `project ${this.columns(op.columns)}`;
      case 'ProjectAway':
        return `project-away ${op.names.map((n) => this.expr(n)).join(', ')}`;
      case 'Extend':
        return `extend ${this.columns(op.columns)}`;
      case 'Summarize': {
        const aggs = this.columns(op.aggregates);
        const by = op.by.length > 0 ? `by ${this.columns(op.by)}` : '';
        return ['summarize', aggs, by].filter((s) => s !== '').join(' ');
      }
      case 'Join': {
        const on = op.on.map((o) => this.at(o, Level.Compare)).join(', ');
        return `join ${this.params(op.params)}${this.table(op.right)} on ${on}`;
      }
      case 'Take':
        return `${op.keyword} ${this.at(op.count, Level.Or)}`;
      case 'Sort':
        return `${op.keyword} by ${this.sortKeys(op.keys)}`;
      case 'Top':
        return `top ${this.at(op.count, Level.Or)} by ${this.sortKeys(op.keys)}`;
      case 'Distinct':
        return op.columns.length === 0
          ? 'distinct *'
          : `distinct ${op.columns.map((c) => this.at(c, Level.Or)).join(', ')}`;
      case 'Count':
        return 'count';
      case 'UnionOp':
        return `union ${this.params(op.params)}${op.tables.map((t) => this.table(t)).join(', ')}`;
      default:
        return assertNever(op);
    }
  }

  statement(s: Statement, last: boolean): string {
    switch (s.kind) {
      case 'Let':
        return `let ${printName(s.name)} = ${this.expr(s.value)};`;
      case 'ExprStatement':
        return last ? this.expr(s.expr) : `${this.expr(s.expr)};`;
      default:
        return assertNever(s);
    }
  }
}

/** KQL text for a whole query, one statement per line group and one pipe operator per line. */
export function printQuery(q: Query): string {
  const p = new Printer('');
  return q.statements.map((s, i) => p.statement(s, i === q.statements.length - 1)).join('\n');
}

/** KQL text for one expression (scalar or tabular). */
export function printExpr(e: Expr): string {
  return new Printer('').expr(e);
}
