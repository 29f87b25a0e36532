import type { ColumnExpr, Expr, NamedParam, NameRef, Operator, SortKey } from './ast';
import type { ParseContext } from './expression-parser';
import { missingExpr, parseBracketedName, parseComparison, parseOr } from './expression-parser';
import type { TokenCursor } from './token-cursor';

/** Tabular operators Kusto has but this engine does not run; named in KQL301 diagnostics. */
const UNSUPPORTED_OPERATORS = new Set([
  'as',
  'consume',
  'evaluate',
  'extend-schema',
  'facet',
  'find',
  'fork',
  'getschema',
  'graph-match',
  'invoke',
  'lookup',
  'make-graph',
  'make-series',
  'mv-apply',
  'mv-expand',
  'parse',
  'parse-kv',
  'parse-where',
  'partition',
  'project-keep',
  'project-rename',
  'project-reorder',
  'range',
  'reduce',
  'render',
  'sample',
  'sample-distinct',
  'scan',
  'search',
  'serialize',
  'top-hitters',
  'top-nested',
  'externaldata',
  'macro-expand',
]);

/** Tokens after which an operator's argument list is over. */
const PIPE_END = new Set(['|', ';', ')', ']', '}', ',']);
const RECOVER_TO = new Set(['|', ';']);

export function atPipeEnd(cur: TokenCursor, k = 0): boolean {
  const t = cur.peek(k);
  return t.kind === 'End' || (t.kind === 'Punct' && PIPE_END.has(t.text));
}

/** `by` is a keyword here unless it names a column being assigned (`by = ...`). */
function atBy(cur: TokenCursor): boolean {
  return cur.isIdent('by') && !cur.isPunct('=', 1);
}

/** Reads `project-away`, `mv-expand`: Kusto spells these with a hyphen and no spaces. */
function readOperatorName(cur: TokenCursor): { name: string; start: number; end: number } {
  const first = cur.next();
  let name = first.text;
  let end = first.end;
  while (
    cur.isPunct('-') &&
    cur.peek().start === end &&
    cur.peek(1).kind === 'Identifier' &&
    cur.peek(1).start === end + 1
  ) {
    cur.next();
    const part = cur.next();
    name += `-${part.text}`;
    end = part.end;
  }
  return { name, start: first.start, end };
}

/**
 * The operator after a `|`, or null (with a diagnostic) when it is missing, unknown or outside the
 * supported subset; in that case its arguments are skipped up to the next `|` or `;`.
 */
export function parseOperator(p: ParseContext): Operator | null {
  const { cur } = p;
  const t = cur.peek();
  if (t.kind !== 'Identifier') {
    cur.errorAtCurrent('KQL201', `expected a query operator after '|'${cur.describeFound()}`);
    return null;
  }
  const { name, start } = readOperatorName(cur);
  const span = (): { start: number; end: number } => ({ start, end: cur.prevEnd });
  switch (name) {
    case 'where':
    case 'filter': {
      const predicate = atPipeEnd(cur) ? missing(cur, `a predicate after '${name}'`) : parseOr(p);
      return { kind: 'Where', keyword: name, predicate, span: span() };
    }
    case 'project':
      return { kind: 'Project', columns: parseColumnList(p, name), span: span() };
    case 'extend':
      return { kind: 'Extend', columns: parseColumnList(p, name), span: span() };
    case 'project-away':
      return { kind: 'ProjectAway', names: parseNameList(p, name), span: span() };
    case 'summarize': {
      const aggregates = atBy(cur) || atPipeEnd(cur) ? [] : parseColumnList(p, name);
      let by: ColumnExpr[] = [];
      if (atBy(cur)) {
        cur.next();
        by = parseColumnList(p, "'summarize ... by'");
      } else if (aggregates.length === 0) {
        cur.errorAtCurrent('KQL201', `expected an aggregate or 'by' after 'summarize'${cur.describeFound()}`);
      }
      return { kind: 'Summarize', aggregates, by, span: span() };
    }
    case 'join':
      return parseJoin(p, start);
    case 'take':
    case 'limit': {
      const count = atPipeEnd(cur) ? missing(cur, `a row count after '${name}'`) : parseOr(p);
      return { kind: 'Take', keyword: name, count, span: span() };
    }
    case 'sort':
    case 'order': {
      const keys = expectBy(cur, name) ? parseSortKeys(p) : [];
      return { kind: 'Sort', keyword: name, keys, span: span() };
    }
    case 'top': {
      const count = atPipeEnd(cur) || atBy(cur) ? missing(cur, "a row count after 'top'") : parseOr(p);
      const keys = expectBy(cur, name) ? parseSortKeys(p) : [];
      return { kind: 'Top', count, keys, span: span() };
    }
    case 'distinct': {
      if (cur.isPunct('*')) {
        cur.next();
        return { kind: 'Distinct', columns: [], span: span() };
      }
      const columns = atPipeEnd(cur) ? [missing(cur, "a column or '*' after 'distinct'")] : parseExprList(p);
      return { kind: 'Distinct', columns, span: span() };
    }
    case 'count':
      return { kind: 'Count', span: span() };
    case 'union': {
      const params = parseNamedParams(cur);
      return { kind: 'UnionOp', params, tables: parseUnionTables(p), span: span() };
    }
    default: {
      const nameSpan = { start, end: cur.prevEnd };
      if (UNSUPPORTED_OPERATORS.has(name)) cur.error('KQL301', `operator '${name}' is not supported`, nameSpan);
      else cur.error('KQL202', `unknown query operator '${name}'`, nameSpan);
      cur.skipUntil(RECOVER_TO);
      return null;
    }
  }
}

function missing(cur: TokenCursor, what: string): Expr {
  cur.errorAtCurrent('KQL201', `expected ${what}${cur.describeFound()}`);
  const at = cur.peek().start;
  return missingExpr({ start: at, end: at });
}

function expectBy(cur: TokenCursor, op: string): boolean {
  if (cur.isIdent('by')) {
    cur.next();
    return true;
  }
  cur.errorAtCurrent('KQL201', `expected 'by' after '${op}'${cur.describeFound()}`);
  return false;
}

function parseExprList(p: ParseContext): Expr[] {
  const items = [parseOr(p)];
  while (p.cur.isPunct(',')) {
    p.cur.next();
    items.push(parseOr(p));
  }
  return items;
}

/** `Name = expr` or `expr`; the name may be bracketed (`['a b'] = expr`). */
export function parseColumnExpr(p: ParseContext): ColumnExpr {
  const { cur } = p;
  const t = cur.peek();
  const bracketed = cur.isPunct('[') && cur.peek(1).kind === 'String' && cur.isPunct(']', 2) && cur.isPunct('=', 3);
  if ((t.kind === 'Identifier' && cur.isPunct('=', 1)) || bracketed) {
    const nameRef = bracketed ? parseBracketedName(cur) : null;
    if (nameRef === null) cur.next();
    const name = nameRef === null ? t.text : nameRef.name;
    const nameSpan = { start: t.start, end: cur.prevEnd };
    cur.next(); // =
    const expr = atPipeEnd(cur) || atBy(cur) ? missing(cur, `an expression after '${name} ='`) : parseOr(p);
    return { name, nameSpan, expr, span: { start: t.start, end: expr.span.end } };
  }
  const expr = parseOr(p);
  return { name: null, nameSpan: null, expr, span: expr.span };
}

function parseColumnList(p: ParseContext, op: string): ColumnExpr[] {
  const { cur } = p;
  if (atPipeEnd(cur) || atBy(cur)) {
    const expr = missing(cur, `a column expression after ${op.startsWith("'") ? op : `'${op}'`}`);
    return [{ name: null, nameSpan: null, expr, span: expr.span }];
  }
  const items = [parseColumnExpr(p)];
  while (cur.isPunct(',')) {
    cur.next();
    items.push(parseColumnExpr(p));
  }
  return items;
}

/** A table or column name, plain or bracketed; null (with KQL201) when none is there. */
function parseName(cur: TokenCursor, what: string): NameRef | null {
  const t = cur.peek();
  if (t.kind === 'Identifier') {
    cur.next();
    return { kind: 'Name', name: t.text, bracketed: false, span: { start: t.start, end: t.end } };
  }
  if (cur.isPunct('[') && cur.peek(1).kind === 'String' && cur.isPunct(']', 2)) return parseBracketedName(cur);
  cur.errorAtCurrent('KQL201', `expected ${what}${cur.describeFound()}`);
  return null;
}

/** Rejects `Name*` wildcards, which need the input schema and are outside the subset. */
function rejectWildcard(cur: TokenCursor, name: NameRef): void {
  if (cur.isPunct('*') && cur.peek().start === name.span.end) {
    cur.error('KQL303', `wildcard names ('${name.name}*') are not supported`, {
      start: name.span.start,
      end: cur.peek().end,
    });
    cur.next();
  }
}

function parseNameList(p: ParseContext, op: string): NameRef[] {
  const { cur } = p;
  const names: NameRef[] = [];
  for (;;) {
    const name = parseName(cur, `a column name after '${op}'`);
    if (name === null) break;
    names.push(name);
    rejectWildcard(cur, name);
    if (!cur.isPunct(',')) break;
    cur.next();
  }
  return names;
}

function parseSortKeys(p: ParseContext): SortKey[] {
  const { cur } = p;
  const keys: SortKey[] = [];
  for (;;) {
    const expr = atPipeEnd(cur) ? missing(cur, 'a sort key') : parseOr(p);
    let direction: SortKey['direction'] = null;
    let nulls: SortKey['nulls'] = null;
    if (cur.isIdent('asc') || cur.isIdent('desc')) direction = cur.next().text === 'asc' ? 'asc' : 'desc';
    if (cur.isIdent('nulls')) {
      cur.next();
      if (cur.isIdent('first') || cur.isIdent('last')) nulls = cur.next().text === 'first' ? 'first' : 'last';
      else cur.errorAtCurrent('KQL201', `expected 'first' or 'last' after 'nulls'${cur.describeFound()}`);
    }
    keys.push({ expr, direction, nulls, span: { start: expr.span.start, end: cur.prevEnd } });
    if (!cur.isPunct(',')) return keys;
    cur.next();
  }
}

function atNamedParam(cur: TokenCursor): boolean {
  if (cur.peek().kind !== 'Identifier') return false;
  if (cur.isPunct('=', 1)) return true;
  return cur.isPunct('.', 1) && cur.peek(2).kind === 'Identifier';
}

/** `kind=inner`, `hint.strategy=broadcast`, `withsource=T`: names and values kept as text. */
export function parseNamedParams(cur: TokenCursor): NamedParam[] {
  const params: NamedParam[] = [];
  while (atNamedParam(cur)) {
    const first = cur.next();
    let name = first.text;
    while (cur.isPunct('.') && cur.peek(1).kind === 'Identifier') {
      cur.next();
      name += `.${cur.next().text}`;
    }
    if (!cur.expectPunct('=', `'=' after '${name}'`)) break;
    const v = cur.peek();
    if (
      v.kind === 'Identifier' ||
      v.kind === 'String' ||
      v.kind === 'Long' ||
      v.kind === 'Real' ||
      v.kind === 'Timespan'
    ) {
      cur.next();
      params.push({ name, value: v.text, span: { start: first.start, end: v.end } });
    } else {
      cur.errorAtCurrent('KQL201', `expected a value for '${name}'${cur.describeFound()}`);
      break;
    }
  }
  return params;
}

/** A bare name or a parenthesised tabular expression (its parentheses are not kept). */
function parseTableOperand(p: ParseContext, what: string): Expr {
  const { cur } = p;
  if (cur.isPunct('(')) {
    cur.next();
    const inner = p.parseTabular();
    if (!cur.expectPunct(')')) {
      cur.skipUntil(new Set([')']));
      if (cur.isPunct(')')) cur.next();
    }
    return inner;
  }
  const name = parseName(cur, what);
  if (name === null) return missingExpr({ start: cur.peek().start, end: cur.peek().start });
  rejectWildcard(cur, name);
  return name;
}

export function parseUnionTables(p: ParseContext): Expr[] {
  const tables = [parseTableOperand(p, "a table after 'union'")];
  while (p.cur.isPunct(',')) {
    p.cur.next();
    tables.push(parseTableOperand(p, "a table after ','"));
  }
  return tables;
}

/** Parentheses around an `on` item are stripped first, as Kusto does (kql-semantics §10). */
function unparen(e: Expr): Expr {
  let x = e;
  while (x.kind === 'Paren') x = x.expr;
  return x;
}

function parseJoin(p: ParseContext, start: number): Operator {
  const { cur } = p;
  const params = parseNamedParams(cur);
  const right = cur.isIdent('on')
    ? missing(cur, "the right side of 'join'")
    : parseTableOperand(p, "the right side of 'join'");
  const on: Expr[] = [];
  if (cur.isIdent('on')) {
    cur.next();
    for (;;) {
      if (atPipeEnd(cur)) {
        on.push(missing(cur, "a join condition after 'on'"));
        break;
      }
      const item = unparen(parseComparison(p));
      const valid =
        (item.kind === 'Name' && item.name !== '') ||
        (item.kind === 'Binary' && item.op === '==' && item.left.kind === 'Path' && item.right.kind === 'Path');
      if (!valid && !(item.kind === 'Name' && item.name === '')) {
        cur.error('KQL404', "a join condition must be a column name or '$left.Column == $right.Column'", item.span);
      }
      on.push(item);
      if (!cur.isPunct(',') && !cur.isIdent('and')) break;
      cur.next();
    }
  } else {
    cur.errorAtCurrent('KQL201', `expected 'on' after the right side of 'join'${cur.describeFound()}`);
  }
  return { kind: 'Join', params, right, on, span: { start, end: cur.prevEnd } };
}
