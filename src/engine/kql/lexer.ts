import { isTimespanUnit, parseTimespanLiteral } from '../time/ticks';
import type { Span } from './ast';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { makeDiagnostic } from './diagnostics';

/**
 * Tokens of the KQL subset. `start`/`end` are UTF-16 offsets (end exclusive); `text` is always the
 * exact source slice, so the parser can keep literals as written for the printer.
 */
export type Token =
  | { readonly kind: 'Identifier'; readonly text: string; readonly start: number; readonly end: number }
  /** `value` is the decoded contents; `text` keeps quotes, `@`/`h` prefixes and escapes. */
  | {
      readonly kind: 'String';
      readonly text: string;
      readonly value: string;
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'Long' | 'Real';
      readonly text: string;
      readonly value: number;
      readonly start: number;
      readonly end: number;
    }
  /** `5s`, `1.5h`: one token because Kusto forbids space between the number and its unit. */
  | {
      readonly kind: 'Timespan';
      readonly text: string;
      readonly value: bigint;
      readonly start: number;
      readonly end: number;
    }
  /**
   * `datetime(...)`, `long(...)`, ... whose contents are raw text rather than tokens: a datetime
   * such as `2024-05-01T10:00:00Z` would otherwise lex as a run of malformed numbers.
   */
  | {
      readonly kind: 'TypedLiteral';
      readonly text: string;
      readonly typeName: string;
      readonly inner: string;
      readonly start: number;
      readonly end: number;
    }
  /** Punctuation and the fused operators `!has`, `in~`, `!in~`, `!between`, ... */
  | { readonly kind: 'Punct'; readonly text: string; readonly start: number; readonly end: number }
  | { readonly kind: 'End'; readonly text: ''; readonly start: number; readonly end: number };

const MAX_LEX_DIAGNOSTICS = 100;

/** Names whose parenthesised argument is literal text, not an expression (kql-semantics §7, §14). */
const TYPED_LITERAL_NAMES: ReadonlySet<string> = new Set([
  'datetime',
  'date',
  'timespan',
  'time',
  'long',
  'int',
  'real',
  'double',
  'bool',
  'boolean',
  'guid',
  'decimal',
]);

/** Operators that take a `!` prefix fused into one token (`!has`, `!in~`). */
const NEGATABLE = new Set([
  'has',
  'has_cs',
  'contains',
  'contains_cs',
  'startswith',
  'startswith_cs',
  'endswith',
  'endswith_cs',
  'in',
  'between',
  // Outside the subset, but fused so the parser can name them in its diagnostic.
  'has_any',
  'hasprefix',
  'hasprefix_cs',
  'hassuffix',
  'hassuffix_cs',
]);

// Longest first so that `==` wins over `=`, `..` over `.`.
const PUNCTUATION = [
  '==',
  '!=',
  '<=',
  '>=',
  '=~',
  '!~',
  '..',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  ';',
  '|',
  '.',
  '=',
  '<',
  '>',
  '+',
  '-',
  '*',
  '/',
  '%',
  ':',
];

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  n: '\n',
  r: '\r',
  t: '\t',
  b: '\b',
  f: '\f',
  '0': '\0',
  '\\': '\\',
  "'": "'",
  '"': '"',
};

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

// ASCII fast paths first: the Unicode property regexes are an order of magnitude slower per char.
function isIdentStart(c: string | undefined): boolean {
  if (c === undefined) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c === '$') return true;
  return c > '\x7f' && /\p{L}/u.test(c);
}

function isIdentPart(c: string | undefined): boolean {
  if (c === undefined) return false;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '_') return true;
  return c > '\x7f' && /[\p{L}\p{N}]/u.test(c);
}

/** Unicode whitespace (`\s` covers NBSP and the BOM); ASCII is tested first as the common case. */
function isSpace(c: string): boolean {
  if (c === ' ' || c === '\n' || c === '\t' || c === '\r') return true;
  return c > '\x7f' ? /\s/.test(c) : c === '\f' || c === '\v';
}

function isAsciiLetter(c: string | undefined): boolean {
  return c !== undefined && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'));
}

/** Can nothing at `i` start a token (or whitespace, or a comment)? */
function isUnexpected(text: string, i: number): boolean {
  const c = text[i]!;
  if (isSpace(c) || isDigit(c) || isIdentStart(c) || c === '"' || c === "'" || c === '`') return false;
  if (c === '@' && (text[i + 1] === '"' || text[i + 1] === "'")) return false;
  if (c === '!' && isIdentStart(text[i + 1])) return false;
  return !PUNCTUATION.some((p) => text.startsWith(p, i));
}

/** Splits KQL text into tokens; never throws. The last token is always `End`. */
export function lex(text: string): { tokens: Token[]; diagnostics: Diagnostic[] } {
  const tokens: Token[] = [];
  const diagnostics: Diagnostic[] = [];
  const n = text.length;
  let i = 0;

  const report = (code: DiagnosticCode, message: string, span: Span): void => {
    // Each diagnostic costs a line/column scan; past the cap the rest is noise from one cause.
    if (diagnostics.length < MAX_LEX_DIAGNOSTICS) diagnostics.push(makeDiagnostic(text, code, message, span));
  };

  const at = (k: number): string | undefined => (k < n ? text[k] : undefined);

  /** Scans a quoted string starting at `q` (the quote); returns the end offset and the value. */
  const scanQuoted = (q: number, verbatim: boolean, tokenStart: number): { end: number; value: string } => {
    const quote = text[q]!;
    let k = q + 1;
    let value = '';
    for (;;) {
      const c = at(k);
      // Ordinary and verbatim strings end at the line: an open quote must not swallow the rest of the query.
      if (c === undefined || c === '\n' || c === '\r') {
        report('KQL101', 'unterminated string literal', { start: tokenStart, end: k });
        return { end: k, value };
      }
      if (c === quote) {
        // In a verbatim string a doubled quote stands for one quote.
        if (verbatim && at(k + 1) === quote) {
          value += quote;
          k += 2;
          continue;
        }
        return { end: k + 1, value };
      }
      if (c === '\\' && !verbatim) {
        const e = at(k + 1);
        if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(k + 2, k + 6))) {
          value += String.fromCharCode(parseInt(text.slice(k + 2, k + 6), 16));
          k += 6;
          continue;
        }
        if (e !== undefined && e !== '\n' && e !== '\r') {
          value += SIMPLE_ESCAPES[e] ?? e;
          k += 2;
          continue;
        }
        k += 1;
        continue;
      }
      value += c;
      k += 1;
    }
  };

  /** Strings, with optional `h`/`H` (obfuscated) and `@` (verbatim) prefixes; null if none at `i`. */
  const tryString = (): Token | null => {
    let k = i;
    if (
      (text[k] === 'h' || text[k] === 'H') &&
      (at(k + 1) === '"' || at(k + 1) === "'" || (at(k + 1) === '@' && (at(k + 2) === '"' || at(k + 2) === "'")))
    )
      k++;
    let verbatim = false;
    if (text[k] === '@' && (at(k + 1) === '"' || at(k + 1) === "'")) {
      verbatim = true;
      k++;
    }
    if (text.startsWith('```', k)) {
      const close = text.indexOf('```', k + 3);
      if (close < 0) {
        report('KQL101', 'unterminated string literal', { start: i, end: n });
        return { kind: 'String', text: text.slice(i), value: text.slice(k + 3), start: i, end: n };
      }
      return {
        kind: 'String',
        text: text.slice(i, close + 3),
        value: text.slice(k + 3, close),
        start: i,
        end: close + 3,
      };
    }
    if (text[k] !== '"' && text[k] !== "'") return null;
    const { end, value } = scanQuoted(k, verbatim, i);
    return { kind: 'String', text: text.slice(i, end), value, start: i, end };
  };

  const scanNumber = (): Token => {
    const start = i;
    let k = i;
    if (text[k] === '0' && (at(k + 1) === 'x' || at(k + 1) === 'X') && /[0-9a-fA-F]/.test(at(k + 2) ?? '')) {
      k += 2;
      while (/[0-9a-fA-F]/.test(at(k) ?? '')) k++;
      return { kind: 'Long', text: text.slice(start, k), value: Number(text.slice(start, k)), start, end: k };
    }
    while (isDigit(at(k))) k++;
    let real = false;
    // `0 .. 2` and `0..2`: a dot is a decimal point only when a digit follows it.
    if (at(k) === '.' && isDigit(at(k + 1))) {
      real = true;
      k++;
      while (isDigit(at(k))) k++;
    }
    if (
      (at(k) === 'e' || at(k) === 'E') &&
      (isDigit(at(k + 1)) || ((at(k + 1) === '+' || at(k + 1) === '-') && isDigit(at(k + 2))))
    ) {
      real = true;
      k += 2;
      while (isDigit(at(k))) k++;
    }
    if (isAsciiLetter(at(k))) {
      let u = k;
      while (isAsciiLetter(at(u))) u++;
      const word = text.slice(start, u);
      const ticks = isTimespanUnit(text.slice(k, u)) ? parseTimespanLiteral(word) : null;
      // Digits or `_` glued after the unit (`5s1`) are not a literal either.
      if (ticks !== null && !isIdentPart(at(u))) return { kind: 'Timespan', text: word, value: ticks, start, end: u };
      while (isIdentPart(at(u))) u++;
      report('KQL103', `malformed number or timespan literal '${text.slice(start, u)}'`, { start, end: u });
      return {
        kind: real ? 'Real' : 'Long',
        text: text.slice(start, u),
        value: Number(text.slice(start, k)),
        start,
        end: u,
      };
    }
    const slice = text.slice(start, k);
    const value = Number(slice);
    if (!Number.isFinite(value)) {
      report('KQL103', `number '${slice}' is out of range`, { start, end: k });
    }
    return { kind: real ? 'Real' : 'Long', text: slice, value, start, end: k };
  };

  /** After a typed-literal name at [start, nameEnd): `(` raw text `)`; null when no `(` follows. */
  const tryTypedLiteral = (start: number, nameEnd: number): Token | null => {
    let k = nameEnd;
    while (at(k) === ' ' || at(k) === '\t') k++;
    if (at(k) !== '(') return null;
    const open = k;
    k++;
    while (k < n && text[k] !== ')' && text[k] !== '\n' && text[k] !== '\r') k++;
    const typeName = text.slice(start, nameEnd);
    if (at(k) !== ')') {
      report('KQL201', `expected ')' to close ${typeName}(...)`, { start: k, end: k });
      return {
        kind: 'TypedLiteral',
        text: text.slice(start, k),
        typeName,
        inner: text.slice(open + 1, k),
        start,
        end: k,
      };
    }
    return {
      kind: 'TypedLiteral',
      text: text.slice(start, k + 1),
      typeName,
      inner: text.slice(open + 1, k),
      start,
      end: k + 1,
    };
  };

  while (i < n) {
    const c = text[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    // `//` comments run to the end of the line; KQL has no block comments (kql-semantics §13).
    if (c === '/' && at(i + 1) === '/') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    const str = tryString();
    if (str !== null) {
      tokens.push(str);
      i = str.end;
      continue;
    }
    if (isDigit(c)) {
      const t = scanNumber();
      tokens.push(t);
      i = t.end;
      continue;
    }
    if (isIdentStart(c)) {
      let k = i + 1;
      while (isIdentPart(at(k))) k++;
      const word = text.slice(i, k);
      // `in~` is one operator; a space before `~` is not allowed.
      if (word === 'in' && at(k) === '~') {
        tokens.push({ kind: 'Punct', text: 'in~', start: i, end: k + 1 });
        i = k + 1;
        continue;
      }
      if (TYPED_LITERAL_NAMES.has(word)) {
        const typed = tryTypedLiteral(i, k);
        if (typed !== null) {
          tokens.push(typed);
          i = typed.end;
          continue;
        }
      }
      tokens.push({ kind: 'Identifier', text: word, start: i, end: k });
      i = k;
      continue;
    }
    if (c === '!' && isIdentStart(at(i + 1))) {
      let k = i + 2;
      while (isIdentPart(at(k))) k++;
      const word = text.slice(i + 1, k);
      if (NEGATABLE.has(word)) {
        const tilde = word === 'in' && at(k) === '~';
        const end = tilde ? k + 1 : k;
        tokens.push({ kind: 'Punct', text: text.slice(i, end), start: i, end });
        i = end;
        continue;
      }
    }
    const punct = PUNCTUATION.find((p) => text.startsWith(p, i));
    if (punct !== undefined) {
      tokens.push({ kind: 'Punct', text: punct, start: i, end: i + punct.length });
      i += punct.length;
      continue;
    }
    // A run of unexpected characters is one diagnostic; a surrogate pair is never split.
    // The first character is consumed unconditionally so the loop always advances.
    const start = i;
    do i += (text.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    while (i < n && isUnexpected(text, i));
    const run = text.slice(start, i);
    report('KQL102', `unexpected character${run.length > 1 ? 's' : ''} '${run}'`, { start, end: i });
  }
  tokens.push({ kind: 'End', text: '', start: n, end: n });
  return { tokens, diagnostics };
}
