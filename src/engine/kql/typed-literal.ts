import { parseIsoDateTime, parseTimespanText } from '../time/ticks';
import type { Literal, LiteralType } from './ast';
import type { Token } from './lexer';
import type { TokenCursor } from './token-cursor';

type TypedLiteralToken = Extract<Token, { kind: 'TypedLiteral' }>;

const TYPE_OF: Readonly<Record<string, LiteralType>> = {
  datetime: 'datetime',
  date: 'datetime',
  timespan: 'timespan',
  time: 'timespan',
  long: 'long',
  int: 'int',
  real: 'real',
  double: 'real',
  bool: 'bool',
  boolean: 'bool',
};

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function decode(type: LiteralType, raw: string): string | number | boolean | bigint | null | undefined {
  switch (type) {
    case 'datetime':
      return parseIsoDateTime(raw) ?? undefined;
    case 'timespan':
      return parseTimespanText(raw) ?? undefined;
    case 'long':
    case 'int': {
      if (!/^[+-]?(\d+|0[xX][0-9a-fA-F]+)$/.test(raw)) return undefined;
      const neg = raw.startsWith('-');
      const magnitude = Number(raw.replace(/^[+-]/, ''));
      const v = neg ? -magnitude : magnitude;
      return type === 'int' && (v < INT32_MIN || v > INT32_MAX) ? undefined : v;
    }
    case 'real': {
      const lower = raw.toLowerCase();
      if (lower === 'nan') return NaN;
      if (lower === 'inf' || lower === '+inf') return Infinity;
      if (lower === '-inf') return -Infinity;
      return /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw) ? Number(raw) : undefined;
    }
    case 'bool': {
      const lower = raw.toLowerCase();
      return lower === 'true' ? true : lower === 'false' ? false : undefined;
    }
    case 'string':
      return raw;
  }
}

/**
 * Decodes `datetime(...)`, `timespan(...)`/`time(...)`, `long(...)`, `int(...)`, `real(...)`,
 * `bool(...)`; `null` inside gives a typed null. Malformed text is KQL103 with a null value;
 * `guid(...)`/`decimal(...)` are KQL303.
 */
export function parseTypedLiteral(cur: TokenCursor, t: TypedLiteralToken): Literal {
  const span = { start: t.start, end: t.end };
  const raw = t.inner.trim();
  const type = TYPE_OF[t.typeName];
  if (type === undefined) {
    cur.error('KQL303', `'${t.typeName}' literals are not supported`, span);
    return { kind: 'Literal', type: 'string', value: raw, text: t.text, span };
  }
  if (raw === 'null') return { kind: 'Literal', type, value: null, text: t.text, span };
  const value = decode(type, raw);
  if (value === undefined) {
    cur.error('KQL103', `malformed ${t.typeName} literal '${t.text}'`, span);
    return { kind: 'Literal', type, value: null, text: t.text, span };
  }
  return { kind: 'Literal', type, value, text: t.text, span };
}
