/**
 * Reuse across runs: every plan node is keyed by a fingerprint of what it computes (its operator,
 * expressions and inputs, and the identity of the tables it scans). When the analyst edits one
 * predicate (an allow-list entry, a knob), every node upstream of it keeps its fingerprint and its
 * result is reused; only the edited stage and what follows it run again.
 */
import type { BoundExpr, BoundTabular } from '../bind/bound';
import { assertNever } from '../kql/ast';
import type { Table } from '../table/table';
import type { Relation } from './relation';

const tableIds = new WeakMap<Table, number>();
let nextTableId = 1;

function tableId(t: Table | undefined): number {
  if (!t) return 0;
  let id = tableIds.get(t);
  if (id === undefined) tableIds.set(t, (id = nextTableId++));
  return id;
}

function json(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)) ?? 'undefined';
}

export class PlanCache {
  private entries = new Map<string, Relation>();
  private used = new Set<string>();
  private readonly fingerprints = new WeakMap<object, string>();
  hits = 0;
  misses = 0;

  /** Starts a run: entries not used by it are dropped when it ends (at most one run is kept). */
  beginRun(): void {
    this.used = new Set();
    this.hits = 0;
    this.misses = 0;
  }

  endRun(): void {
    for (const k of [...this.entries.keys()]) if (!this.used.has(k)) this.entries.delete(k);
  }

  get(key: string): Relation | undefined {
    const r = this.entries.get(key);
    if (r) {
      this.used.add(key);
      this.hits++;
    } else this.misses++;
    return r;
  }

  set(key: string, rel: Relation): void {
    this.entries.set(key, rel);
    this.used.add(key);
  }

  get size(): number {
    return this.entries.size;
  }

  /** What a node computes, as text: equal text means an equal result over the same tables. */
  fingerprint(node: BoundTabular, tables: ReadonlyMap<string, Table>, lets: readonly { plan: BoundTabular }[]): string {
    const memo = this.fingerprints.get(node);
    if (memo !== undefined) return memo;
    const fp = (n: BoundTabular) => this.fingerprint(n, tables, lets);
    const ex = (e: BoundExpr): string => this.exprFingerprint(e, tables, lets);
    let s: string;
    switch (node.kind) {
      case 'Scan':
        s = `Scan(${node.table}@${tableId(tables.get(node.table))}:${node.schema.map((c) => c.name).join(',')})`;
        break;
      case 'LetRef':
        s = fp(lets[node.letId]!.plan);
        break;
      case 'Filter':
        s = `Filter(${ex(node.predicate)};${fp(node.input)})`;
        break;
      case 'Project':
        s = `Project(${node.columns.map((c) => `${c.name}=${ex(c.expr)}`).join(',')};${fp(node.input)})`;
        break;
      case 'Summarize':
        s = `Summarize(${node.keys.map((k) => `${k.name}=${ex(k.expr)}`).join(',')};${node.aggregates
          .map((a) => `${a.name}=${a.fn.name}(${a.args.map(ex).join(',')})`)
          .join(',')};${fp(node.input)})`;
        break;
      case 'Join':
        s = `Join(${node.joinKind};${node.keys.map((k) => `${k.left}=${k.right}`).join(',')};${json(node.band ?? null)};${fp(node.left)};${fp(node.right)})`;
        break;
      case 'Take':
        s = `Take(${node.count};${fp(node.input)})`;
        break;
      case 'Sort':
        s = `Sort(${node.keys.map((k) => `${ex(k.expr)}:${k.descending}:${k.nullsFirst}`).join(',')};${node.limit};${fp(node.input)})`;
        break;
      case 'Distinct':
        s = `Distinct(${node.columns.map((c) => ex(c.expr)).join(',')};${fp(node.input)})`;
        break;
      case 'Count':
        s = `Count(${fp(node.input)})`;
        break;
      case 'Union':
        s = `Union(${json(node.mapping)};${node.inputs.map(fp).join(';')})`;
        break;
      case 'Values':
        s = `Values(${json(node.schema)};${json(node.rows)})`;
        break;
      default:
        return assertNever(node);
    }
    this.fingerprints.set(node, s);
    return s;
  }

  private exprFingerprint(
    e: BoundExpr,
    tables: ReadonlyMap<string, Table>,
    lets: readonly { plan: BoundTabular }[],
  ): string {
    switch (e.kind) {
      case 'ColumnRef':
        return `#${e.index}`;
      case 'Constant':
        return `${e.type}:${json(e.value)}`;
      case 'Call':
        return `${e.fn.name}(${e.args.map((a) => this.exprFingerprint(a, tables, lets)).join(',')})`;
      case 'InList':
        return `in(${this.exprFingerprint(e.left, tables, lets)};${e.negated};${e.caseInsensitive};${json(e.values)})`;
      case 'InTable':
        return `inT(${this.exprFingerprint(e.left, tables, lets)};${e.negated};${e.caseInsensitive};${this.fingerprint(e.table, tables, lets)})`;
      default:
        return assertNever(e);
    }
  }
}
