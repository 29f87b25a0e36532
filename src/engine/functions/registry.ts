/**
 * Scalar functions, operators and aggregates declared as data: a name, a type resolver and a
 * vectorised kernel. The binder resolves a call against the argument types once; the executor
 * only ever calls the resolved kernel.
 */
import type { Column, Scalar, ScalarType } from '../table/column';

/** A kernel computes a whole column from argument columns of equal length `n`. */
export type Kernel = (args: readonly Column[], n: number) => Column;

/** A resolved (type-specialised) scalar function. */
export interface ScalarFunction {
  readonly name: string;
  readonly kernel: Kernel;
}

/**
 * A scalar function definition. `resolve` sees the argument types and, for literal arguments,
 * their values (e.g. `datetime_diff`'s period); it returns the result type and a kernel, or an
 * error message.
 */
export interface ScalarFunctionDef {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly resolve: (
    types: readonly ScalarType[],
    literals: readonly (Scalar | undefined)[],
  ) => { readonly type: ScalarType; readonly fn: ScalarFunction } | string;
}

/** Aggregate kernel: one output value per group. `groups[i]` is row i's group (0..groupCount-1). */
export type AggregateKernel = (args: readonly Column[], groups: Int32Array, groupCount: number) => Column;

export interface AggregateFunction {
  readonly name: string;
  readonly kernel: AggregateKernel;
}

export interface AggregateFunctionDef {
  readonly name: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  /** Kusto's default output column name prefix (`count_`, `set_X`, `max_X`, ...). */
  readonly defaultName: (argNames: readonly (string | null)[]) => string;
  readonly resolve: (
    types: readonly ScalarType[],
  ) => { readonly type: ScalarType; readonly fn: AggregateFunction } | string;
}

const scalarDefs = new Map<string, ScalarFunctionDef>();
const aggregateDefs = new Map<string, AggregateFunctionDef>();

export function registerScalar(def: ScalarFunctionDef, ...aliases: string[]): void {
  scalarDefs.set(def.name, def);
  for (const a of aliases) scalarDefs.set(a, def);
}

export function registerAggregate(def: AggregateFunctionDef, ...aliases: string[]): void {
  aggregateDefs.set(def.name, def);
  for (const a of aliases) aggregateDefs.set(a, def);
}

export function lookupScalar(name: string): ScalarFunctionDef | undefined {
  return scalarDefs.get(name);
}

export function lookupAggregate(name: string): AggregateFunctionDef | undefined {
  return aggregateDefs.get(name);
}

export function scalarFunctionNames(): string[] {
  return [...scalarDefs.keys()].sort();
}

export function aggregateFunctionNames(): string[] {
  return [...aggregateDefs.keys()].sort();
}
