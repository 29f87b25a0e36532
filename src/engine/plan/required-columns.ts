/**
 * Column pruning: which columns of each base table the query can observe. Ingest decodes only
 * these, so a 68-column DeviceProcessEvents export costs what the rule reads, not what it holds.
 *
 * A top-down pass: each node learns which of its output columns its consumers need and asks its
 * inputs for the columns that computing those requires. Let plans are visited after every
 * reference to them has been seen (later lets can only reference earlier ones).
 */
import type { BoundExpr, BoundQuery, BoundTabular } from '../bind/bound';
import { assertNever } from '../kql/ast';

function readExpr(e: BoundExpr, out: Set<number>, sub: (t: BoundTabular, need: Set<number>) => void): void {
  switch (e.kind) {
    case 'ColumnRef':
      out.add(e.index);
      return;
    case 'Constant':
      return;
    case 'Call':
      for (const a of e.args) readExpr(a, out, sub);
      return;
    case 'InList':
      readExpr(e.left, out, sub);
      return;
    case 'InTable':
      readExpr(e.left, out, sub);
      sub(e.table, new Set([0]));
      return;
    default:
      assertNever(e);
  }
}

/** Base table name → the column names the query reads (in schema order). */
export function requiredColumns(query: BoundQuery): Map<string, string[]> {
  const needed = new Map<string, Set<string>>();
  const letNeeds = new Map<number, Set<number>>();

  const visit = (node: BoundTabular, need: Set<number>): void => {
    switch (node.kind) {
      case 'Scan': {
        let set = needed.get(node.table);
        if (!set) needed.set(node.table, (set = new Set()));
        for (const i of need) set.add(node.schema[i]!.name);
        return;
      }
      case 'LetRef': {
        let set = letNeeds.get(node.letId);
        if (!set) letNeeds.set(node.letId, (set = new Set()));
        for (const i of need) set.add(i);
        return;
      }
      case 'Values':
        return;
      case 'Filter': {
        const n = new Set(need);
        readExpr(node.predicate, n, visit);
        visit(node.input, n);
        return;
      }
      case 'Project': {
        const n = new Set<number>();
        for (const i of need) readExpr(node.columns[i]!.expr, n, visit);
        visit(node.input, n);
        return;
      }
      case 'Summarize': {
        const n = new Set<number>();
        for (const k of node.keys) readExpr(k.expr, n, visit);
        for (const a of node.aggregates) for (const x of a.args) readExpr(x, n, visit);
        visit(node.input, n);
        return;
      }
      case 'Join': {
        const width = node.left.schema.length;
        const l = new Set<number>();
        const r = new Set<number>();
        const kind = node.joinKind;
        for (const i of need) {
          if (kind === 'rightsemi' || kind === 'rightanti') r.add(i);
          else if (kind === 'leftsemi' || kind === 'leftanti' || i < width) l.add(i);
          else r.add(i - width);
        }
        for (const k of node.keys) {
          l.add(k.left);
          r.add(k.right);
        }
        if (node.band) {
          l.add(node.band.leftTime);
          r.add(node.band.rightTime);
        }
        visit(node.left, l);
        visit(node.right, r);
        return;
      }
      case 'Take':
        visit(node.input, need);
        return;
      case 'Sort': {
        const n = new Set(need);
        for (const k of node.keys) readExpr(k.expr, n, visit);
        visit(node.input, n);
        return;
      }
      case 'Distinct': {
        const n = new Set<number>();
        for (const c of node.columns) readExpr(c.expr, n, visit);
        visit(node.input, n);
        return;
      }
      case 'Count':
        visit(node.input, new Set());
        return;
      case 'Union':
        node.inputs.forEach((input, k) => {
          const mapping = node.mapping[k]!;
          const n = new Set<number>();
          mapping.forEach((out, i) => {
            if (need.has(out)) n.add(i);
          });
          visit(input, n);
        });
        return;
      default:
        assertNever(node);
    }
  };

  visit(query.result, new Set(query.result.schema.map((_, i) => i)));
  for (let id = query.lets.length - 1; id >= 0; id--) {
    const need = letNeeds.get(id);
    if (need) visit(query.lets[id]!.plan, need);
  }
  const out = new Map<string, string[]>();
  const schemas = new Map<string, readonly { name: string }[]>();
  const collect = (node: BoundTabular): void => {
    if (node.kind === 'Scan') schemas.set(node.table, node.schema);
  };
  const walk = (node: BoundTabular): void => {
    collect(node);
    if ('input' in node) walk(node.input);
    if (node.kind === 'Join') {
      walk(node.left);
      walk(node.right);
    }
    if (node.kind === 'Union') node.inputs.forEach(walk);
    if (node.kind === 'Filter') findSubplans(node.predicate).forEach(walk);
  };
  walk(query.result);
  query.lets.forEach((l) => walk(l.plan));
  for (const [table, schema] of schemas) {
    const set = needed.get(table) ?? new Set<string>();
    out.set(
      table,
      schema.map((c) => c.name).filter((n) => set.has(n)),
    );
  }
  return out;
}

function findSubplans(e: BoundExpr): BoundTabular[] {
  switch (e.kind) {
    case 'Call':
      return e.args.flatMap(findSubplans);
    case 'InTable':
      return [e.table, ...findSubplans(e.left)];
    case 'InList':
      return findSubplans(e.left);
    default:
      return [];
  }
}
