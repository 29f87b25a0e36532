import type { BetweenExpr, BinaryOp, Expr, InOp, Literal, NameRef, Span } from './ast';
import { parseDynamic } from './dynamic-literal';
import type { TokenCursor } from './token-cursor';
import { NON_CONSUMABLE, parseDelimited } from './token-cursor';
import { parseTypedLiteral } from './typed-literal';

/**
 * Scalar expression grammar, lowest to highest precedence: or; and; comparison / string / in /
 * between (non-associative); additive; multiplicative; unary; primary. Tabular expressions can
 * appear inside parentheses and call arguments, so the pipeline parser is injected as
 * `parseTabular` rather than imported (the two grammars are mutually recursive).
 */
export interface ParseContext {
  readonly cur: TokenCursor;
  /** A pipeline (`T | op | op`), or a scalar expression when no `|` follows. */
  parseTabular(): Expr;
}

const COMPARE_PUNCT = new Set(['==', '!=', '<', '<=', '>', '>=', '=~', '!~']);
const STRING_OPS = new Set([
  'has',
  'has_cs',
  'contains',
  'contains_cs',
  'startswith',
  'startswith_cs',
  'endswith',
  'endswith_cs',
]);

/** Placeholder for a missing expression, so the tree stays well-formed next to a diagnostic. */
export function missingExpr(span: Span): NameRef {
  return { kind: 'Name', name: '', bracketed: false, span };
}

function spanOf(a: { span: Span }, b: { span: Span }): Span {
  return { start: a.span.start, end: b.span.end };
}

export function parseOr(p: ParseContext): Expr {
  let left = parseAnd(p);
  while (p.cur.isIdent('or')) {
    p.cur.next();
    const right = parseAnd(p);
    left = { kind: 'Binary', op: 'or', left, right, span: spanOf(left, right) };
  }
  return left;
}

function parseAnd(p: ParseContext): Expr {
  let left = parseComparison(p);
  while (p.cur.isIdent('and')) {
    p.cur.next();
    const right = parseComparison(p);
    left = { kind: 'Binary', op: 'and', left, right, span: spanOf(left, right) };
  }
  return left;
}

/**
 * Kusto comparison-level operators outside the subset. They are parsed (to keep recovery on track)
 * and reported by name as KQL303; the left operand stands in for the whole comparison.
 */
const UNSUPPORTED_COMPARISONS = new Set([
  'has_any',
  'has_all',
  'hasprefix',
  'hasprefix_cs',
  'hassuffix',
  'hassuffix_cs',
  'matches',
  'like',
  'notlike',
]);

type ComparisonKind =
  | { kind: 'binary'; op: BinaryOp }
  | { kind: 'in'; op: InOp }
  | { kind: 'between'; negated: boolean }
  | { kind: 'unsupported' };

function comparisonAt(cur: TokenCursor): ComparisonKind | null {
  const t = cur.peek();
  if (t.kind === 'Punct') {
    if (COMPARE_PUNCT.has(t.text)) return { kind: 'binary', op: t.text as BinaryOp };
    if (t.text.startsWith('!') && STRING_OPS.has(t.text.slice(1))) return { kind: 'binary', op: t.text as BinaryOp };
    if (t.text === 'in~' || t.text === '!in' || t.text === '!in~') return { kind: 'in', op: t.text };
    if (t.text === '!between') return { kind: 'between', negated: true };
    if (t.text.startsWith('!') && UNSUPPORTED_COMPARISONS.has(t.text.slice(1))) return { kind: 'unsupported' };
    return null;
  }
  if (t.kind !== 'Identifier') return null;
  if (STRING_OPS.has(t.text)) return { kind: 'binary', op: t.text as BinaryOp };
  if (t.text === 'in') return { kind: 'in', op: 'in' };
  if (t.text === 'between') return { kind: 'between', negated: false };
  if (UNSUPPORTED_COMPARISONS.has(t.text)) return { kind: 'unsupported' };
  return null;
}

/** One comparison level; also the grammar of a `join ... on` item. */
export function parseComparison(p: ParseContext): Expr {
  const { cur } = p;
  let left = parseAdditive(p);
  let first = true;
  for (let c = comparisonAt(cur); c !== null; c = comparisonAt(cur)) {
    if (!first) {
      // Kusto gives `a == b == c` no meaning; keep parsing left-to-right so one error is reported.
      cur.errorAtCurrent(
        'KQL202',
        `comparison operators cannot be chained; add parentheses around '${cur.peek().text}'`,
      );
    }
    first = false;
    const opToken = cur.next();
    switch (c.kind) {
      case 'binary': {
        const right = parseAdditive(p);
        left = { kind: 'Binary', op: c.op, left, right, span: spanOf(left, right) };
        break;
      }
      case 'in': {
        const { items, end } = parseInList(p, opToken.text);
        left = { kind: 'In', op: c.op, left, items, span: { start: left.span.start, end } };
        break;
      }
      case 'between':
        left = parseBetweenTail(p, left, c.negated);
        break;
      case 'unsupported': {
        const name = opToken.text === 'matches' && cur.isIdent('regex') ? 'matches regex' : opToken.text;
        if (name === 'matches regex') cur.next();
        cur.error('KQL303', `operator '${name}' is not supported`, { start: opToken.start, end: cur.prevEnd });
        if (cur.isPunct('(')) parseInList(p, name);
        else parseAdditive(p);
        break;
      }
    }
  }
  return left;
}

/** `( item, ... )` after `in`; items may be scalars, dynamic arrays or tabular expressions. */
function parseInList(p: ParseContext, opText: string): { items: Expr[]; end: number } {
  const { cur } = p;
  if (!cur.isPunct('(')) {
    cur.errorAtCurrent('KQL201', `expected '(' after '${opText}'${cur.describeFound()}`);
    return { items: [], end: cur.prevEnd };
  }
  cur.next();
  const items = parseDelimited(cur, ')', () => p.parseTabular(), `an expression in the '${opText}' list`);
  return { items, end: cur.prevEnd };
}

function parseBetweenTail(p: ParseContext, left: Expr, negated: boolean): BetweenExpr {
  const { cur } = p;
  const keyword = negated ? '!between' : 'between';
  let low: Expr = missingExpr({ start: cur.peek().start, end: cur.peek().start });
  let high: Expr = low;
  if (cur.expectPunct('(', `'(' after '${keyword}'`)) {
    low = parseAdditive(p);
    if (cur.expectPunct('..', `'..' in '${keyword}'`)) high = parseAdditive(p);
    if (!cur.expectPunct(')')) {
      cur.skipUntil(new Set([')']));
      if (cur.isPunct(')')) cur.next();
    }
  }
  return { kind: 'Between', negated, left, low, high, span: { start: left.span.start, end: cur.prevEnd } };
}

function parseAdditive(p: ParseContext): Expr {
  let left = parseMultiplicative(p);
  while (p.cur.isPunct('+') || p.cur.isPunct('-')) {
    const op = p.cur.next().text as '+' | '-';
    const right = parseMultiplicative(p);
    left = { kind: 'Binary', op, left, right, span: spanOf(left, right) };
  }
  return left;
}

function parseMultiplicative(p: ParseContext): Expr {
  let left = parseUnary(p);
  while (p.cur.isPunct('*') || p.cur.isPunct('/') || p.cur.isPunct('%')) {
    const op = p.cur.next().text as '*' | '/' | '%';
    const right = parseUnary(p);
    left = { kind: 'Binary', op, left, right, span: spanOf(left, right) };
  }
  return left;
}

function parseUnary(p: ParseContext): Expr {
  const { cur } = p;
  if (cur.isPunct('-') || cur.isPunct('+')) {
    if (!cur.enter()) return missingExpr({ start: cur.prevEnd, end: cur.prevEnd });
    const opToken = cur.next();
    const operand = parseUnary(p);
    cur.leave();
    return {
      kind: 'Unary',
      op: opToken.text as '-' | '+',
      operand,
      span: { start: opToken.start, end: operand.span.end },
    };
  }
  return parsePrimary(p);
}

function parsePrimary(p: ParseContext): Expr {
  if (!p.cur.enter()) return missingExpr({ start: p.cur.prevEnd, end: p.cur.prevEnd });
  const e = parsePrimaryInner(p);
  p.cur.leave();
  return e;
}

function parsePrimaryInner(p: ParseContext): Expr {
  const { cur } = p;
  const t = cur.peek();
  switch (t.kind) {
    case 'String':
      return parseStringLiteral(cur);
    case 'Long':
    case 'Real':
      cur.next();
      return {
        kind: 'Literal',
        type: t.kind === 'Long' ? 'long' : 'real',
        value: t.value,
        text: t.text,
        span: { start: t.start, end: t.end },
      };
    case 'Timespan':
      cur.next();
      return { kind: 'Literal', type: 'timespan', value: t.value, text: t.text, span: { start: t.start, end: t.end } };
    case 'TypedLiteral':
      cur.next();
      return parseTypedLiteral(cur, t);
    case 'Identifier':
      return parseIdentifierPrimary(p);
    case 'Punct':
      if (t.text === '(') {
        cur.next();
        const inner = p.parseTabular();
        if (!cur.expectPunct(')')) {
          cur.skipUntil(new Set([')']));
          if (cur.isPunct(')')) cur.next();
        }
        return { kind: 'Paren', expr: inner, span: { start: t.start, end: cur.prevEnd } };
      }
      if (t.text === '[' && cur.peek(1).kind === 'String' && cur.isPunct(']', 2)) return parseBracketedName(cur);
      break;
    case 'End':
      break;
  }
  cur.errorAtCurrent('KQL201', `expected an expression${cur.describeFound()}`);
  // Consume stray tokens so callers make progress, but leave list/pipe terminators for them.
  if (t.kind !== 'End' && !(t.kind === 'Punct' && NON_CONSUMABLE.has(t.text))) {
    cur.next();
    return missingExpr({ start: t.start, end: t.end });
  }
  return missingExpr({ start: t.start, end: t.start });
}

/** `['a b']` or `["a b"]`; the caller has checked the three tokens are there. */
export function parseBracketedName(cur: TokenCursor): NameRef {
  const open = cur.next();
  const str = cur.next();
  cur.next();
  return {
    kind: 'Name',
    name: str.kind === 'String' ? str.value : str.text,
    bracketed: true,
    span: { start: open.start, end: cur.prevEnd },
  };
}

/** Adjacent string literals concatenate (kql-semantics §13); `text` keeps each part as written. */
function parseStringLiteral(cur: TokenCursor): Literal {
  const start = cur.peek().start;
  let value = '';
  const parts: string[] = [];
  for (let t = cur.peek(); t.kind === 'String'; t = cur.peek()) {
    value += t.value;
    parts.push(t.text);
    cur.next();
  }
  return { kind: 'Literal', type: 'string', value, text: parts.join(' '), span: { start, end: cur.prevEnd } };
}

function parseIdentifierPrimary(p: ParseContext): Expr {
  const { cur } = p;
  const t = cur.next();
  const span = { start: t.start, end: t.end };
  if (/^(true|false)$/i.test(t.text)) {
    return { kind: 'Literal', type: 'bool', value: t.text.toLowerCase() === 'true', text: t.text, span };
  }
  if ((t.text === '$left' || t.text === '$right') && cur.isPunct('.')) {
    cur.next();
    const name = cur.peek();
    if (name.kind !== 'Identifier') {
      cur.errorAtCurrent('KQL201', `expected a column name after '${t.text}.'${cur.describeFound()}`);
      return {
        kind: 'Path',
        side: t.text === '$left' ? 'left' : 'right',
        name: '',
        span: { start: t.start, end: cur.prevEnd },
      };
    }
    cur.next();
    return {
      kind: 'Path',
      side: t.text === '$left' ? 'left' : 'right',
      name: name.text,
      span: { start: t.start, end: name.end },
    };
  }
  if (cur.isPunct('(')) {
    if (t.text === 'dynamic') return parseDynamic(cur, t.start);
    cur.next();
    const args = parseDelimited(
      cur,
      ')',
      (): Expr => {
        // `arg_max(X, *)`: a lone `*` argument means "all columns"; it becomes Name('*').
        const star = cur.peek();
        if (star.kind === 'Punct' && star.text === '*') {
          const after = cur.peek(1);
          if (after.kind === 'Punct' && (after.text === ',' || after.text === ')')) {
            cur.next();
            return { kind: 'Name', name: '*', bracketed: false, span: { start: star.start, end: star.end } };
          }
        }
        return p.parseTabular();
      },
      `an argument of '${t.text}'`,
    );
    return { kind: 'Call', name: t.text, nameSpan: span, args, span: { start: t.start, end: cur.prevEnd } };
  }
  const ref: NameRef = { kind: 'Name', name: t.text, bracketed: false, span };
  if (cur.isPunct('.') || cur.isPunct('[')) {
    // `x.y` and `x[0]` index into dynamic values, which this engine does not evaluate.
    const what = cur.isPunct('.') ? 'member access' : 'indexing';
    cur.errorAtCurrent('KQL303', `${what} on '${t.text}' is not supported`);
    while (cur.isPunct('.') || cur.isPunct('[')) {
      if (cur.next().text === '.') {
        if (cur.peek().kind === 'Identifier') cur.next();
      } else {
        cur.skipUntil(new Set([']']));
        if (cur.isPunct(']')) cur.next();
      }
    }
  }
  return ref;
}
