/**
 * The bound tree: names resolved to column positions, every expression typed, every tabular
 * operator with its output schema. It is the logical plan the planner and executor work on.
 */
import type { Span } from '../kql/ast';
import type { ScalarType, Scalar } from '../table/column';
import type { ColumnSchema } from '../table/table';
import type { ScalarFunction, AggregateFunction } from '../functions/registry';

export type BoundExpr = ColumnRef | Constant | CallExpr | InListExpr | InTableExpr;

export interface ColumnRef {
  readonly kind: 'ColumnRef';
  readonly index: number;
  readonly name: string;
  readonly type: ScalarType;
}

export interface Constant {
  readonly kind: 'Constant';
  readonly type: ScalarType;
  /** Strings are never null; datetime/timespan are bigint ticks; dynamic is a JS value. */
  readonly value: Scalar;
}

export interface CallExpr {
  readonly kind: 'Call';
  readonly fn: ScalarFunction;
  readonly args: readonly BoundExpr[];
  readonly type: ScalarType;
  /** Source text of the call, for explain and for the "why" views. */
  readonly text: string;
  readonly span: Span | null;
}

/** `x in (constants...)`: the list is resolved at bind time (dynamic arrays flattened). */
export interface InListExpr {
  readonly kind: 'InList';
  readonly left: BoundExpr;
  readonly values: readonly Scalar[];
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly type: 'bool';
  readonly text: string;
  readonly span: Span | null;
}

/** `x in (T | project C)`: the first column of a tabular expression, evaluated before the row scan. */
export interface InTableExpr {
  readonly kind: 'InTable';
  readonly left: BoundExpr;
  readonly table: BoundTabular;
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly type: 'bool';
  readonly text: string;
  readonly span: Span | null;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: BoundExpr;
}

export interface BoundAggregate {
  readonly name: string;
  readonly fn: AggregateFunction;
  readonly args: readonly BoundExpr[];
  readonly type: ScalarType;
  readonly text: string;
}

export type JoinKind =
  | 'inner'
  | 'innerunique'
  | 'leftouter'
  | 'rightouter'
  | 'fullouter'
  | 'leftsemi'
  | 'leftanti'
  | 'rightsemi'
  | 'rightanti';

export interface SortSpec {
  readonly expr: BoundExpr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

interface TabularBase {
  readonly schema: readonly ColumnSchema[];
  /** Stable id of this node within the query (for stats, explain and provenance). */
  readonly id: number;
  /** The operator's source text, shown by explain and the rule view. */
  readonly text: string;
  readonly span: Span | null;
}

export type BoundTabular =
  | ScanNode
  | LetRefNode
  | FilterNode
  | ProjectNode
  | SummarizeNode
  | JoinNode
  | TakeNode
  | SortNode
  | DistinctNode
  | CountNode
  | UnionNode
  | ValuesNode;

/** A base table. `source` names it for provenance (one scan per table reference). */
export interface ScanNode extends TabularBase {
  readonly kind: 'Scan';
  readonly table: string;
}

/** A reference to a tabular `let` (materialized once per run, as `materialize()` promises). */
export interface LetRefNode extends TabularBase {
  readonly kind: 'LetRef';
  readonly name: string;
  readonly letId: number;
}

export interface FilterNode extends TabularBase {
  readonly kind: 'Filter';
  readonly input: BoundTabular;
  readonly predicate: BoundExpr;
}

/** project, extend and project-away all become a list of output expressions. */
export interface ProjectNode extends TabularBase {
  readonly kind: 'Project';
  readonly input: BoundTabular;
  readonly columns: readonly NamedExpr[];
  readonly operator: 'project' | 'extend' | 'project-away';
}

export interface SummarizeNode extends TabularBase {
  readonly kind: 'Summarize';
  readonly input: BoundTabular;
  readonly keys: readonly NamedExpr[];
  readonly aggregates: readonly BoundAggregate[];
}

export interface JoinNode extends TabularBase {
  readonly kind: 'Join';
  readonly joinKind: JoinKind;
  readonly left: BoundTabular;
  readonly right: BoundTabular;
  /** Pairs of (left column index, right column index), all equalities ANDed. */
  readonly keys: readonly { readonly left: number; readonly right: number }[];
  readonly hints: Readonly<Record<string, string>>;
  /**
   * Set by the optimiser (plan/optimise): every pair the filter above this join can keep satisfies
   * `lo <= right[rightTime] - left[leftTime] <= hi` (ticks), so the executor may sweep sorted times
   * instead of pairing every row of a key. The filter stays above as the exact predicate.
   */
  readonly band?: BandSpec;
}

export interface BandSpec {
  readonly leftTime: number;
  readonly rightTime: number;
  readonly lo: bigint;
  readonly hi: bigint;
  /** The predicate the band was derived from (for explain). */
  readonly text: string;
}

export interface TakeNode extends TabularBase {
  readonly kind: 'Take';
  readonly input: BoundTabular;
  readonly count: number;
}

/** sort/order by, and top (with a limit). */
export interface SortNode extends TabularBase {
  readonly kind: 'Sort';
  readonly input: BoundTabular;
  readonly keys: readonly SortSpec[];
  readonly limit: number | null;
}

export interface DistinctNode extends TabularBase {
  readonly kind: 'Distinct';
  readonly input: BoundTabular;
  /** Output columns (computed over the input). */
  readonly columns: readonly NamedExpr[];
}

export interface CountNode extends TabularBase {
  readonly kind: 'Count';
  readonly input: BoundTabular;
}

export interface UnionNode extends TabularBase {
  readonly kind: 'Union';
  readonly inputs: readonly BoundTabular[];
  /** For each input, the output position of each of its columns. */
  readonly mapping: readonly (readonly number[])[];
}

/** datatable / print: literal rows. */
export interface ValuesNode extends TabularBase {
  readonly kind: 'Values';
  readonly rows: readonly (readonly Scalar[])[];
}

export interface BoundLet {
  readonly id: number;
  readonly name: string;
  readonly plan: BoundTabular;
}

export interface BoundQuery {
  /** Tabular lets in definition order; executed at most once each. */
  readonly lets: readonly BoundLet[];
  readonly result: BoundTabular;
  /** Base tables the query reads, with the columns it needs from each (for column pruning). */
  readonly tables: ReadonlyMap<string, readonly string[]>;
}

export function inputsOf(node: BoundTabular): readonly BoundTabular[] {
  switch (node.kind) {
    case 'Scan':
    case 'LetRef':
    case 'Values':
      return [];
    case 'Filter':
    case 'Project':
    case 'Summarize':
    case 'Take':
    case 'Sort':
    case 'Distinct':
    case 'Count':
      return [node.input];
    case 'Join':
      return [node.left, node.right];
    case 'Union':
      return node.inputs;
  }
}
