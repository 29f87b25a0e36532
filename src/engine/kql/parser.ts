import type { ColumnDecl, ColumnExpr, DatatableExpr, Expr, Query, Statement } from './ast';
import type { Diagnostic } from './diagnostics';
import type { ParseContext } from './expression-parser';
import { missingExpr, parseOr } from './expression-parser';
import { lex } from './lexer';
import { atPipeEnd, parseColumnExpr, parseNamedParams, parseOperator, parseUnionTables } from './operator-parser';
import { parseDelimited, TokenCursor } from './token-cursor';

/** Statements Kusto has that this engine does not; named in KQL303 diagnostics. */
const UNSUPPORTED_STATEMENTS = new Set(['set', 'declare', 'alias', 'pattern', 'restrict', 'query_parameters']);

function makeContext(text: string): ParseContext {
  const { tokens, diagnostics } = lex(text);
  const cur = new TokenCursor(text, tokens, diagnostics);
  const ctx: ParseContext = {
    cur,
    // Every nested tabular expression (parentheses, call arguments, join/union operands) passes
    // here, so this one depth check bounds recursion through all of them.
    parseTabular: () => {
      if (!cur.enter()) return missingExpr({ start: cur.prevEnd, end: cur.prevEnd });
      const e = parsePipeline(ctx);
      cur.leave();
      return e;
    },
  };
  return ctx;
}

/** Can the token after `print` start an expression? Otherwise `print` is an ordinary name. */
function startsExpression(p: ParseContext, k: number): boolean {
  const t = p.cur.peek(k);
  switch (t.kind) {
    case 'Identifier':
    case 'String':
    case 'Long':
    case 'Real':
    case 'Timespan':
    case 'TypedLiteral':
      return true;
    case 'Punct':
      return t.text === '(' || t.text === '-' || t.text === '+' || t.text === '[';
    case 'End':
      return false;
  }
}

/** `union`, `datatable` and `print` begin a pipeline; anything else is an ordinary expression. */
function parsePipelineStart(p: ParseContext): Expr {
  const { cur } = p;
  const t = cur.peek();
  if (cur.isIdent('union') && (cur.peek(1).kind === 'Identifier' || cur.isPunct('(', 1) || cur.isPunct('[', 1))) {
    cur.next();
    const params = parseNamedParams(cur);
    const tables = parseUnionTables(p);
    return { kind: 'Union', params, tables, span: { start: t.start, end: cur.prevEnd } };
  }
  if (cur.isIdent('datatable') && cur.isPunct('(', 1)) return parseDatatable(p);
  if (cur.isIdent('print') && startsExpression(p, 1)) {
    cur.next();
    const columns: ColumnExpr[] = [parseColumnExpr(p)];
    while (cur.isPunct(',')) {
      cur.next();
      columns.push(parseColumnExpr(p));
    }
    return { kind: 'Print', columns, span: { start: t.start, end: cur.prevEnd } };
  }
  if (cur.isIdent('range') && cur.peek(1).kind === 'Identifier' && cur.isIdent('from', 2)) {
    cur.error('KQL301', "operator 'range' is not supported", { start: t.start, end: t.end });
    cur.skipUntil(new Set(['|', ';']));
    return missingExpr({ start: t.start, end: cur.prevEnd });
  }
  return parseOr(p);
}

function parseDatatable(p: ParseContext): DatatableExpr {
  const { cur } = p;
  const start = cur.next().start;
  cur.next(); // (
  const columns = parseDelimited(cur, ')', () => parseColumnDecl(p), 'a column declaration').filter(
    (c): c is ColumnDecl => c !== null,
  );
  const values: Expr[] = [];
  if (cur.expectPunct('[', "'[' with the datatable's values")) {
    for (;;) {
      // A trailing comma before `]` is accepted, as Kusto does.
      if (cur.isPunct(']')) {
        cur.next();
        break;
      }
      values.push(parseOr(p));
      if (cur.isPunct(',')) {
        cur.next();
        continue;
      }
      if (!cur.expectPunct(']', "',' or ']' after a datatable value")) {
        cur.skipUntil(new Set([']']));
        if (cur.isPunct(']')) cur.next();
      }
      break;
    }
  }
  return { kind: 'Datatable', columns, values, span: { start, end: cur.prevEnd } };
}

function parseColumnDecl(p: ParseContext): ColumnDecl | null {
  const { cur } = p;
  const t = cur.peek();
  let name: string;
  if (t.kind === 'Identifier') {
    cur.next();
    name = t.text;
  } else if (cur.isPunct('[') && cur.peek(1).kind === 'String' && cur.isPunct(']', 2)) {
    cur.next();
    const s = cur.next();
    cur.next();
    name = s.kind === 'String' ? s.value : s.text;
  } else {
    cur.errorAtCurrent('KQL201', `expected a column name${cur.describeFound()}`);
    return null;
  }
  if (!cur.expectPunct(':', `':' and a type after '${name}'`)) return null;
  const ty = cur.peek();
  if (ty.kind !== 'Identifier') {
    cur.errorAtCurrent('KQL201', `expected a type name${cur.describeFound()}`);
    return null;
  }
  cur.next();
  return { name, type: ty.text, span: { start: t.start, end: ty.end } };
}

/** `start | op | op ...`, left-nested: `T | a | b` is `Pipe(Pipe(T, a), b)`. */
function parsePipeline(p: ParseContext): Expr {
  const { cur } = p;
  let expr = parsePipelineStart(p);
  for (;;) {
    // Stray tokens before a later `|` are skipped so the rest of the pipeline still parses;
    // otherwise the enclosing construct reports what it expected (`;`, `)`, ...).
    if (!atPipeEnd(cur) && cur.pipeAhead()) {
      cur.errorAtCurrent('KQL202', `unexpected '${cur.peek().text}'`);
      cur.skipUntil(new Set(['|', ';']));
    }
    if (!cur.isPunct('|')) return expr;
    cur.next();
    const op = parseOperator(p);
    if (op !== null) expr = { kind: 'Pipe', source: expr, op, span: { start: expr.span.start, end: op.span.end } };
  }
}

function parseLet(p: ParseContext): Statement {
  const { cur } = p;
  const letToken = cur.next();
  const n = cur.peek();
  let name = '';
  let nameSpan = { start: n.start, end: n.start };
  if (n.kind === 'Identifier') {
    cur.next();
    name = n.text;
    nameSpan = { start: n.start, end: n.end };
  } else if (cur.isPunct('[') && cur.peek(1).kind === 'String' && cur.isPunct(']', 2)) {
    cur.next();
    const s = cur.next();
    cur.next();
    name = s.kind === 'String' ? s.value : s.text;
    nameSpan = { start: n.start, end: cur.prevEnd };
  } else {
    cur.errorAtCurrent('KQL201', `expected a name after 'let'${cur.describeFound()}`);
  }
  let value: Expr;
  if (!cur.expectPunct('=', `'=' after 'let ${name}'`)) {
    value = missingExpr({ start: cur.peek().start, end: cur.peek().start });
    cur.skipUntil(new Set([';']));
  } else if (cur.isPunct('(') && (cur.isPunct(')', 1) || (cur.peek(1).kind === 'Identifier' && cur.isPunct(':', 2)))) {
    // `let f = (x:long) { ... }` defines a function; the engine only binds values.
    const at = cur.peek();
    cur.error('KQL303', `user-defined function '${name}' is not supported`, { start: at.start, end: at.end });
    cur.skipUntil(new Set([';']));
    value = missingExpr({ start: at.start, end: cur.prevEnd });
  } else {
    value = parsePipeline(p);
  }
  // The `;` itself is left to the statement loop, which recovers the same way after any statement.
  if (!cur.isPunct(';'))
    cur.errorAtCurrent('KQL201', `expected ';' after the 'let ${name}' statement${cur.describeFound()}`);
  return { kind: 'Let', name, nameSpan, value, span: { start: letToken.start, end: cur.prevEnd } };
}

function parseStatement(p: ParseContext): Statement | null {
  const { cur } = p;
  const t = cur.peek();
  // `let` followed by something other than a pipe or the end starts a let statement, even a
  // malformed one, so that `let = 1;` is reported as a missing name.
  if (cur.isIdent('let') && !atPipeEnd(cur, 1)) return parseLet(p);
  if (t.kind === 'Identifier' && UNSUPPORTED_STATEMENTS.has(t.text) && cur.peek(1).kind === 'Identifier') {
    cur.error('KQL303', `'${t.text}' statements are not supported`, { start: t.start, end: t.end });
    cur.skipUntil(new Set([';']));
    return null;
  }
  const expr = parsePipeline(p);
  return { kind: 'ExprStatement', expr, span: expr.span };
}

/**
 * Parses a query: `let` statements and tabular expression statements separated by `;`.
 * Never throws; on malformed input returns a best-effort tree and error diagnostics with stable
 * codes (KQL1xx lexical, KQL2xx syntax, KQL3xx outside the supported subset).
 */
export function parseQuery(text: string): { query: Query; diagnostics: Diagnostic[] } {
  const p = makeContext(text);
  const { cur } = p;
  const statements: Statement[] = [];
  while (!cur.atEnd()) {
    if (cur.isPunct(';')) {
      cur.next();
      continue;
    }
    const s = parseStatement(p);
    if (s !== null) statements.push(s);
    if (!cur.isPunct(';') && !cur.atEnd()) cur.errorAtCurrent('KQL202', `unexpected '${cur.peek().text}'`);
    while (!cur.isPunct(';') && !cur.atEnd()) {
      cur.skipUntil(new Set([';']));
      // A stray closer stops the skip; consume it too, the statement is already in error.
      if (!cur.isPunct(';') && !cur.atEnd()) cur.next();
    }
  }
  return {
    query: { kind: 'Query', statements, span: { start: 0, end: text.length } },
    diagnostics: cur.sortedDiagnostics(),
  };
}

/** Parses one scalar or tabular expression (a pipeline is allowed); for tests and the UI. */
export function parseExpression(text: string): { expr: Expr; diagnostics: Diagnostic[] } {
  const p = makeContext(text);
  const { cur } = p;
  const expr = parsePipeline(p);
  if (!cur.atEnd()) cur.errorAtCurrent('KQL202', `unexpected '${cur.peek().text}' after the expression`);
  return { expr, diagnostics: cur.sortedDiagnostics() };
}
