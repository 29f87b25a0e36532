/**
 * Case folding and term matching with the semantics of kql-semantics §1-§2.
 */

// eslint-disable-next-line no-control-regex
const ASCII = /^[\x00-\x7f]*$/;

/**
 * Upper-cases each UTF-16 code unit with a 1:1 mapping (kql-semantics §1): `c.toUpperCase()` only
 * when the result is a single code unit, so `ß` stays `ß` (JS full mapping would give `SS`).
 */
export function foldCase(s: string): string {
  if (ASCII.test(s)) return s.toUpperCase();
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    const u = c.toUpperCase();
    out += u.length === 1 ? u : c;
  }
  return out;
}

const TERM_CHAR = /[\p{L}\p{N}]/u;

/** Letters and digits are term characters; `_` and all punctuation separate terms (§2). */
export function isTermChar(code: number): boolean {
  if (code < 128) {
    return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
  }
  // Surrogate halves are not letters on their own; good enough for term boundaries.
  return TERM_CHAR.test(String.fromCharCode(code));
}

/**
 * `has_cs`: some occurrence of `needle` in `hay` starts and ends on a term boundary, except that an
 * end of the needle which is itself punctuation needs no boundary (observed engine behaviour,
 * kql-semantics §2). An empty needle matches (decision: like an empty substring; UNVERIFIED).
 */
export function hasTermCs(hay: string, needle: string): boolean {
  const n = needle.length;
  if (n === 0) return true;
  const firstTerm = isTermChar(needle.charCodeAt(0));
  const lastTerm = isTermChar(needle.charCodeAt(n - 1));
  let i = hay.indexOf(needle);
  while (i >= 0) {
    const startOk = !firstTerm || i === 0 || !isTermChar(hay.charCodeAt(i - 1));
    const endOk = !lastTerm || i + n === hay.length || !isTermChar(hay.charCodeAt(i + n));
    if (startOk && endOk) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** Case-insensitive `has`. */
export function hasTerm(hay: string, needle: string): boolean {
  return hasTermCs(foldCase(hay), foldCase(needle));
}
