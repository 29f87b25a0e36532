import type { DynamicLiteral, JsonValue } from './ast';
import type { TokenCursor } from './token-cursor';
import { NON_CONSUMABLE, parseDelimited } from './token-cursor';

/**
 * The JSON-like contents of `dynamic(...)` (kql-semantics §13): arrays, property bags with quoted
 * or bare keys, strings, numbers (with a leading `-`), `true`, `false`, `null`. Malformed input is
 * KQL203 and decodes to null so the tree stays well-formed.
 */

/** `dynamic(...)` after its name; `start` is the name's offset. */
export function parseDynamic(cur: TokenCursor, start: number): DynamicLiteral {
  cur.next(); // (
  const errorsBefore = cur.diagnostics.length;
  const value = parseJson(cur);
  if (!cur.isPunct(')')) {
    if (!cur.hasErrorsSince(errorsBefore))
      cur.errorAtCurrent('KQL203', `malformed dynamic literal: expected ')'${cur.describeFound()}`);
    cur.skipUntil(new Set([')']));
  }
  if (cur.isPunct(')')) cur.next();
  return { kind: 'Dynamic', value, span: { start, end: cur.prevEnd } };
}

/** JSON-like value inside `dynamic(...)`; reports KQL203 and returns null on malformed input. */
function parseJson(cur: TokenCursor): JsonValue {
  if (!cur.enter()) return null;
  const v = parseJsonInner(cur);
  cur.leave();
  return v;
}

function parseJsonInner(cur: TokenCursor): JsonValue {
  const t = cur.peek();
  const fail = (): null => {
    cur.errorAtCurrent(
      'KQL203',
      `malformed dynamic literal: unexpected ${t.kind === 'End' ? 'end of query' : `'${t.text}'`}`,
    );
    if (!(t.kind === 'End' || (t.kind === 'Punct' && NON_CONSUMABLE.has(t.text)))) cur.next();
    return null;
  };
  switch (t.kind) {
    case 'String':
      cur.next();
      return t.value;
    case 'Long':
    case 'Real':
      cur.next();
      return t.value;
    case 'Identifier':
      if (t.text === 'true' || t.text === 'false' || t.text === 'null') {
        cur.next();
        return t.text === 'null' ? null : t.text === 'true';
      }
      return fail();
    case 'Punct': {
      if (t.text === '-' && (cur.peek(1).kind === 'Long' || cur.peek(1).kind === 'Real')) {
        cur.next();
        const num = cur.next();
        return num.kind === 'Long' || num.kind === 'Real' ? -num.value : null;
      }
      if (t.text === '[') {
        cur.next();
        return parseDelimited(cur, ']', () => parseJson(cur), 'an array element');
      }
      if (t.text === '{') {
        cur.next();
        const entries = parseDelimited(cur, '}', () => parseJsonEntry(cur), 'a property');
        const bag: { [key: string]: JsonValue } = {};
        // defineProperty, not assignment: a `__proto__` key must stay an ordinary property.
        for (const e of entries) {
          if (e !== null)
            Object.defineProperty(bag, e.key, { value: e.value, enumerable: true, writable: true, configurable: true });
        }
        return bag;
      }
      return fail();
    }
    case 'Timespan':
    case 'TypedLiteral':
    case 'End':
      return fail();
  }
}

function parseJsonEntry(cur: TokenCursor): { key: string; value: JsonValue } | null {
  const k = cur.peek();
  if (k.kind !== 'String' && k.kind !== 'Identifier') {
    cur.errorAtCurrent('KQL203', `malformed dynamic literal: expected a property name${cur.describeFound()}`);
    return null;
  }
  cur.next();
  if (!cur.isPunct(':')) {
    cur.errorAtCurrent('KQL203', `malformed dynamic literal: expected ':'${cur.describeFound()}`);
    return null;
  }
  cur.next();
  return { key: k.kind === 'String' ? k.value : k.text, value: parseJson(cur) };
}
