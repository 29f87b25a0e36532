import type { Span } from './ast';
import type { Diagnostic, DiagnosticCode } from './diagnostics';
import { makeDiagnostic } from './diagnostics';
import type { Token } from './lexer';

/** Recursion bound: deeper input is reported rather than allowed to overflow the JS stack. */
export const MAX_DEPTH = 200;

/** Beyond this many diagnostics the rest are noise from one root cause; stop collecting them. */
const MAX_DIAGNOSTICS = 100;

const PIPE_AHEAD_STOPS: ReadonlySet<string> = new Set(['|', ';', ',']);

/** Tokens that end a list or pipeline; a missing expression never consumes them. */
export const NON_CONSUMABLE: ReadonlySet<string> = new Set(['|', ';', ')', ']', '}', ',']);

const CLOSERS: Readonly<Record<string, string>> = { ')': '(', ']': '[', '}': '{' };

/**
 * A position in the token list plus the diagnostics found so far. Every read is bounds-safe: past
 * the end the cursor keeps returning the `End` token, so parsing loops cannot run off the array.
 */
export class TokenCursor {
  pos = 0;
  depth = 0;
  /** End offset of the last consumed token: where a node ends when its closing token is missing. */
  prevEnd = 0;
  readonly diagnostics: Diagnostic[];

  constructor(
    readonly text: string,
    readonly tokens: readonly Token[],
    lexDiagnostics: readonly Diagnostic[],
  ) {
    this.diagnostics = [...lexDiagnostics];
  }

  peek(k = 0): Token {
    const t = this.tokens[Math.min(this.pos + k, this.tokens.length - 1)];
    // The lexer always appends `End`, but keep the type honest.
    return t ?? { kind: 'End', text: '', start: this.text.length, end: this.text.length };
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    this.prevEnd = t.end;
    return t;
  }

  atEnd(): boolean {
    return this.peek().kind === 'End';
  }

  /** True when token `k` ahead is punctuation (or a fused operator) spelled `text`. */
  isPunct(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'Punct' && t.text === text;
  }

  isIdent(text: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'Identifier' && t.text === text;
  }

  /** Consumes `text` if present; otherwise reports KQL201 at the current token and returns false. */
  expectPunct(text: string, what = `'${text}'`): boolean {
    if (this.isPunct(text)) {
      this.next();
      return true;
    }
    this.errorAtCurrent('KQL201', `expected ${what}${this.describeFound()}`);
    return false;
  }

  describeFound(): string {
    const t = this.peek();
    return t.kind === 'End' ? ' but the query ended' : ` but found '${t.text}'`;
  }

  error(code: DiagnosticCode, message: string, span: Span): void {
    if (this.diagnostics.length >= MAX_DIAGNOSTICS) return;
    // Recovery can report the same spot from several nested levels; the first message is enough.
    const last = this.diagnostics[this.diagnostics.length - 1];
    if (last !== undefined && last.span.start === span.start) return;
    this.diagnostics.push(makeDiagnostic(this.text, code, message, span));
  }

  errorAtCurrent(code: DiagnosticCode, message: string): void {
    const t = this.peek();
    this.error(code, message, { start: t.start, end: t.end });
  }

  /**
   * Enters one nesting level. Past MAX_DEPTH it reports KQL303 and jumps to the end, so deep input
   * is a diagnostic rather than a JS stack overflow; callers then unwind via their missing-token paths.
   */
  enter(): boolean {
    if (this.depth >= MAX_DEPTH) {
      const t = this.peek();
      this.error('KQL303', `expression nested more than ${MAX_DEPTH} levels deep is not supported`, {
        start: t.start,
        end: t.end,
      });
      while (!this.atEnd()) this.next();
      return false;
    }
    this.depth++;
    return true;
  }

  leave(): void {
    this.depth--;
  }

  /** Lexer and parser diagnostics in source order (a stable sort keeps same-offset order). */
  sortedDiagnostics(): Diagnostic[] {
    return [...this.diagnostics].sort((a, b) => a.span.start - b.span.start);
  }

  hasErrorsSince(count: number): boolean {
    return this.diagnostics.length > count;
  }

  /**
   * Does a `|` follow before the next `;` or `,` at this bracket depth (or an enclosing closer)?
   * Looks ahead without moving. Stopping at `,` keeps the scan inside one list item, so garbage
   * in every item of a long argument list stays linear rather than quadratic.
   */
  pipeAhead(): boolean {
    const pos = this.pos;
    const prevEnd = this.prevEnd;
    this.skipUntil(PIPE_AHEAD_STOPS);
    const found = this.isPunct('|');
    this.pos = pos;
    this.prevEnd = prevEnd;
    return found;
  }

  /**
   * Skips tokens until one of `stops` appears outside any bracket opened during the skip, or a
   * closer that belongs to an enclosing construct. Used for error recovery.
   */
  skipUntil(stops: ReadonlySet<string>): void {
    const stack: string[] = [];
    while (!this.atEnd()) {
      const t = this.peek();
      if (t.kind === 'Punct') {
        if (stack.length === 0 && stops.has(t.text)) return;
        if (t.text === '(' || t.text === '[' || t.text === '{') stack.push(t.text);
        else if (CLOSERS[t.text] !== undefined) {
          if (stack.length === 0) return;
          stack.pop();
        }
      }
      this.next();
    }
  }
}

/**
 * Items separated by `,` up to `closer`, which the caller has just opened. Recovers from a bad
 * item by skipping to the next `,` or the closer; always consumes the closer when present.
 */
export function parseDelimited<T>(cur: TokenCursor, closer: string, item: () => T, what: string): T[] {
  const items: T[] = [];
  if (cur.isPunct(closer)) {
    cur.next();
    return items;
  }
  for (;;) {
    items.push(item());
    if (cur.isPunct(',')) {
      cur.next();
      continue;
    }
    if (cur.isPunct(closer)) {
      cur.next();
      return items;
    }
    cur.errorAtCurrent('KQL201', `expected ',' or '${closer}' after ${what}${cur.describeFound()}`);
    if (cur.atEnd()) return items;
    cur.skipUntil(new Set([',', closer]));
    if (cur.isPunct(',')) {
      cur.next();
      continue;
    }
    // Otherwise an enclosing closer stopped the skip: leave it to the enclosing construct.
    if (cur.isPunct(closer)) cur.next();
    return items;
  }
}
