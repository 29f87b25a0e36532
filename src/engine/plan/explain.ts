/**
 * Prints a bound plan as an indented tree, one operator per line, with per-node row counts when
 * stats from a run are given. Golden tests compare this text.
 */
import type { BoundExpr, BoundQuery, BoundTabular } from '../bind/bound';
import { inputsOf } from '../bind/bound';
import { assertNever } from '../kql/ast';

export interface ExplainStats {
  readonly rowsOut: number;
}

function exprText(e: BoundExpr): string {
  switch (e.kind) {
    case 'ColumnRef':
      return e.name;
    case 'Constant':
      return typeof e.value === 'string'
        ? JSON.stringify(e.value)
        : typeof e.value === 'bigint'
          ? `${e.type}(${e.value} ticks)`
          : JSON.stringify(e.value);
    case 'Call':
    case 'InList':
    case 'InTable':
      return e.text;
    default:
      return assertNever(e);
  }
}

function describe(node: BoundTabular, letNames: readonly string[]): string {
  switch (node.kind) {
    case 'Scan':
      return `Scan ${node.table}`;
    case 'LetRef':
      return `LetRef ${node.name} (let #${node.letId}: ${letNames[node.letId] ?? '?'})`;
    case 'Filter':
      return `Filter ${exprText(node.predicate)}`;
    case 'Project':
      return `Project[${node.operator}] ${node.columns.map((c) => (c.expr.kind === 'ColumnRef' && c.expr.name === c.name ? c.name : `${c.name}=${exprText(c.expr)}`)).join(', ')}`;
    case 'Summarize':
      return `Summarize ${node.aggregates.map((a) => `${a.name}=${a.text}`).join(', ')} by ${node.keys.map((k) => (k.expr.kind === 'ColumnRef' && k.expr.name === k.name ? k.name : `${k.name}=${exprText(k.expr)}`)).join(', ')}`;
    case 'Join':
      return `Join kind=${node.joinKind} on ${node.keys.map((k) => `${node.left.schema[k.left]!.name}==${node.right.schema[k.right]!.name}`).join(', ')}${node.band ? ` band ${node.right.schema[node.band.rightTime]!.name} - ${node.left.schema[node.band.leftTime]!.name} in [${node.band.lo}, ${node.band.hi}] ticks` : ''}${
        Object.keys(node.hints).length
          ? ` hints ${Object.entries(node.hints)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`;
    case 'Take':
      return `Take ${node.count}`;
    case 'Sort':
      return `${node.limit === null ? 'Sort' : `Top ${node.limit}`} by ${node.keys.map((k) => `${exprText(k.expr)} ${k.descending ? 'desc' : 'asc'} nulls ${k.nullsFirst ? 'first' : 'last'}`).join(', ')}`;
    case 'Distinct':
      return `Distinct ${node.columns.map((c) => c.name).join(', ')}`;
    case 'Count':
      return 'Count';
    case 'Union':
      return `Union (${node.inputs.length} inputs)`;
    case 'Values':
      return `Values (${node.rows.length} rows)`;
    default:
      return assertNever(node);
  }
}

/** The plan as text: lets first, then the result; `stats` adds `[rows=N]` per node. */
export function explainPlan(query: BoundQuery, stats?: ReadonlyMap<number, ExplainStats>): string {
  const letNames = query.lets.map((l) => l.name);
  const lines: string[] = [];
  const walk = (node: BoundTabular, depth: number): void => {
    const s = stats?.get(node.id);
    lines.push(`${'  '.repeat(depth)}${describe(node, letNames)}${s ? `  [rows=${s.rowsOut}]` : ''}`);
    for (const child of inputsOf(node)) walk(child, depth + 1);
    const inSubplans: BoundTabular[] = [];
    const collect = (e: BoundExpr): void => {
      if (e.kind === 'Call') e.args.forEach(collect);
      else if (e.kind === 'InList') collect(e.left);
      else if (e.kind === 'InTable') {
        collect(e.left);
        inSubplans.push(e.table);
      }
    };
    if (node.kind === 'Filter') collect(node.predicate);
    for (const sub of inSubplans) {
      lines.push(`${'  '.repeat(depth + 1)}(in-subquery)`);
      walk(sub, depth + 2);
    }
  };
  for (const l of query.lets) {
    lines.push(`let ${l.name} =`);
    walk(l.plan, 1);
  }
  lines.push('result =');
  walk(query.result, 1);
  return `${lines.join('\n')}\n`;
}
