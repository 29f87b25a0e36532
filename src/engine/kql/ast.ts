/**
 * The KQL syntax tree: one discriminated union per layer (statements, expressions, operators).
 *
 * Scalar and tabular expressions share one `Expr` union because KQL's grammar does too
 * (`let x = dynamic([...])` and `let t = materialize(T | where ...)` look alike to a parser);
 * the binder decides which is which and reports a diagnostic when a tabular expression appears
 * where a scalar is needed, or the reverse.
 *
 * Every node carries a `span` (UTF-16 offsets into the source text, end exclusive) so that
 * diagnostics can point at it and the UI can underline it. `parse(print(tree))` yields the same
 * tree up to spans (`stripSpans` in the tests).
 */

/** Half-open range of UTF-16 code-unit offsets into the query text. */
export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface Query {
  readonly kind: 'Query';
  readonly statements: readonly Statement[];
  readonly span: Span;
}

export type Statement = LetStatement | ExprStatement;

/** `let Name = Expr;` (scalar, `dynamic(...)`, or tabular). */
export interface LetStatement {
  readonly kind: 'Let';
  readonly name: string;
  readonly nameSpan: Span;
  readonly value: Expr;
  readonly span: Span;
}

/** A bare tabular expression; the last one is the query's result. */
export interface ExprStatement {
  readonly kind: 'ExprStatement';
  readonly expr: Expr;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------------------------

export type Expr =
  | NameRef
  | PathRef
  | Literal
  | DynamicLiteral
  | Unary
  | Binary
  | InExpr
  | BetweenExpr
  | Call
  | Paren
  | Pipe
  | UnionExpr
  | DatatableExpr
  | PrintExpr;

/** A column, `let` or table name. Bracketed names (`['a b']`) arrive here unquoted. */
export interface NameRef {
  readonly kind: 'Name';
  readonly name: string;
  /** True when written as `['...']` or `["..."]` so the printer can reproduce it. */
  readonly bracketed: boolean;
  readonly span: Span;
}

/** `$left.Column` / `$right.Column`, only meaningful in a join's `on` clause. */
export interface PathRef {
  readonly kind: 'Path';
  readonly side: 'left' | 'right';
  readonly name: string;
  readonly span: Span;
}

export type LiteralType = 'bool' | 'int' | 'long' | 'real' | 'string' | 'datetime' | 'timespan';

/**
 * A scalar literal. `text` is the literal as written (for the printer); `value` is the decoded
 * value: string contents, a number, a boolean, or `bigint` ticks for datetime/timespan, or
 * `null` for typed nulls such as `long(null)` and `datetime(null)`.
 */
export interface Literal {
  readonly kind: 'Literal';
  readonly type: LiteralType;
  readonly value: string | number | boolean | bigint | null;
  readonly text: string;
  readonly span: Span;
}

/** JSON-like value inside `dynamic(...)`. */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** `dynamic([...])`, `dynamic({...})`, `dynamic(scalar)` or `dynamic(null)`. */
export interface DynamicLiteral {
  readonly kind: 'Dynamic';
  readonly value: JsonValue;
  readonly span: Span;
}

export interface Unary {
  readonly kind: 'Unary';
  readonly op: '-' | '+';
  readonly operand: Expr;
  readonly span: Span;
}

export type LogicalOp = 'and' | 'or';
export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | '=~' | '!~';
export type StringOp =
  | 'has'
  | '!has'
  | 'has_cs'
  | '!has_cs'
  | 'contains'
  | '!contains'
  | 'contains_cs'
  | '!contains_cs'
  | 'startswith'
  | '!startswith'
  | 'startswith_cs'
  | '!startswith_cs'
  | 'endswith'
  | '!endswith'
  | 'endswith_cs'
  | '!endswith_cs';
export type ArithOp = '+' | '-' | '*' | '/' | '%';
export type BinaryOp = LogicalOp | CompareOp | StringOp | ArithOp;

export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export type InOp = 'in' | '!in' | 'in~' | '!in~';

/**
 * `x in (a, b, ...)`. Each item may be a scalar, a dynamic array (flattened) or a tabular
 * expression (its first column). `in` / `!in` are case-sensitive, `in~` / `!in~` are not.
 */
export interface InExpr {
  readonly kind: 'In';
  readonly op: InOp;
  readonly left: Expr;
  readonly items: readonly Expr[];
  readonly span: Span;
}

/** `x between (lo .. hi)` (inclusive) or `x !between (lo .. hi)`. */
export interface BetweenExpr {
  readonly kind: 'Between';
  readonly negated: boolean;
  readonly left: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly span: Span;
}

/** `f(args)`: scalar functions, aggregates, `materialize`, `not`, typed conversions. */
export interface Call {
  readonly kind: 'Call';
  readonly name: string;
  readonly nameSpan: Span;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export interface Paren {
  readonly kind: 'Paren';
  readonly expr: Expr;
  readonly span: Span;
}

/** `source | operator`. A pipeline `T | a | b` is `Pipe(Pipe(T, a), b)`. */
export interface Pipe {
  readonly kind: 'Pipe';
  readonly source: Expr;
  readonly op: Operator;
  readonly span: Span;
}

/** `union [kind=...] T1, T2, ...` at the start of a pipeline. */
export interface UnionExpr {
  readonly kind: 'Union';
  readonly params: readonly NamedParam[];
  readonly tables: readonly Expr[];
  readonly span: Span;
}

/** `datatable(a:long, b:string) [1, "x", 2, "y"]`. Values are literals, row-major. */
export interface DatatableExpr {
  readonly kind: 'Datatable';
  readonly columns: readonly ColumnDecl[];
  readonly values: readonly Expr[];
  readonly span: Span;
}

/** `print a = expr, expr2`: a one-row table. */
export interface PrintExpr {
  readonly kind: 'Print';
  readonly columns: readonly ColumnExpr[];
  readonly span: Span;
}

export interface ColumnDecl {
  readonly name: string;
  readonly type: string;
  readonly span: Span;
}

// ---------------------------------------------------------------------------------------------
// Tabular operators (the right-hand side of `|`)
// ---------------------------------------------------------------------------------------------

export type Operator =
  | WhereOp
  | ProjectOp
  | ProjectAwayOp
  | ExtendOp
  | SummarizeOp
  | JoinOp
  | TakeOp
  | SortOp
  | TopOp
  | DistinctOp
  | CountOp
  | UnionOp;

/** `Name = expr` or a bare `expr` in project / extend / summarize / print. */
export interface ColumnExpr {
  readonly name: string | null;
  readonly nameSpan: Span | null;
  readonly expr: Expr;
  readonly span: Span;
}

/** `kind=inner`, `hint.strategy=broadcast`, ... Values are identifiers or literals, kept as text. */
export interface NamedParam {
  readonly name: string;
  readonly value: string;
  readonly span: Span;
}

export interface WhereOp {
  readonly kind: 'Where';
  /** `where` and `filter` are synonyms. */
  readonly keyword: 'where' | 'filter';
  readonly predicate: Expr;
  readonly span: Span;
}

export interface ProjectOp {
  readonly kind: 'Project';
  readonly columns: readonly ColumnExpr[];
  readonly span: Span;
}

export interface ProjectAwayOp {
  readonly kind: 'ProjectAway';
  readonly names: readonly NameRef[];
  readonly span: Span;
}

export interface ExtendOp {
  readonly kind: 'Extend';
  readonly columns: readonly ColumnExpr[];
  readonly span: Span;
}

export interface SummarizeOp {
  readonly kind: 'Summarize';
  readonly aggregates: readonly ColumnExpr[];
  readonly by: readonly ColumnExpr[];
  readonly span: Span;
}

export interface JoinOp {
  readonly kind: 'Join';
  readonly params: readonly NamedParam[];
  readonly right: Expr;
  /** Each item is a `NameRef` (same column on both sides) or `Binary('==', Path, Path)`. */
  readonly on: readonly Expr[];
  readonly span: Span;
}

export interface TakeOp {
  readonly kind: 'Take';
  readonly keyword: 'take' | 'limit';
  readonly count: Expr;
  readonly span: Span;
}

export interface SortKey {
  readonly expr: Expr;
  /** Kusto's default for sort/order/top is descending. */
  readonly direction: 'asc' | 'desc' | null;
  readonly nulls: 'first' | 'last' | null;
  readonly span: Span;
}

export interface SortOp {
  readonly kind: 'Sort';
  readonly keyword: 'sort' | 'order';
  readonly keys: readonly SortKey[];
  readonly span: Span;
}

export interface TopOp {
  readonly kind: 'Top';
  readonly count: Expr;
  readonly keys: readonly SortKey[];
  readonly span: Span;
}

export interface DistinctOp {
  readonly kind: 'Distinct';
  /** Empty means `distinct *`. */
  readonly columns: readonly Expr[];
  readonly span: Span;
}

export interface CountOp {
  readonly kind: 'Count';
  readonly span: Span;
}

export interface UnionOp {
  readonly kind: 'UnionOp';
  readonly params: readonly NamedParam[];
  readonly tables: readonly Expr[];
  readonly span: Span;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected node: ${JSON.stringify(x)}`);
}
