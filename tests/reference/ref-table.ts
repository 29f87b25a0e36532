import type { Scalar, ScalarType } from '../../src/engine/table/column';

/** One output column of the reference interpreter. */
export interface RefColumn {
  readonly name: string;
  readonly type: ScalarType;
}

/** A table as plain rows of JS values (strings never null; null for null non-strings). */
export interface RefTable {
  readonly columns: readonly RefColumn[];
  readonly rows: readonly (readonly Scalar[])[];
}

/** A `let` binding: a constant scalar (including `dynamic(...)`) or an evaluated table. */
export type LetValue =
  | { readonly kind: 'scalar'; readonly type: ScalarType; readonly value: Scalar }
  | { readonly kind: 'table'; readonly table: RefTable };
