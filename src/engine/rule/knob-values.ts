/**
 * The knobs' values without the syntax tree: limits, checks and timespan text. Pure and small, so
 * the UI can validate a draft (through the worker client's re-exports) with the engine's own rules.
 */
import { parseTimespanLiteral, TICKS_PER_SECOND } from '../time/ticks';

/** Bounds for the knobs; values outside are refused (RangeError), never silently clamped. */
export const KNOB_LIMITS = {
  /** |lo|, |hi| of the window, in the window's unit. */
  window: 3600,
  /** Boot grace, in seconds (7 days). */
  bootGraceSeconds: 7 * 24 * 3600,
  /** Child exclusions: entries and characters per entry. */
  exclusions: 500,
  exclusionLength: 260,
} as const;

/** The analyst's values; an absent field leaves that constant as written. */
export interface RuleKnobs {
  readonly window?: { readonly lo: number; readonly hi: number };
  /** Seconds added to LastBootTime in the boot filter. */
  readonly bootGraceSeconds?: number;
  readonly childExclusions?: readonly string[];
}

export function checkWindow(lo: number, hi: number): void {
  const L = KNOB_LIMITS.window;
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) throw new RangeError('the window bounds must be integers');
  if (Math.abs(lo) > L || Math.abs(hi) > L) throw new RangeError(`the window bounds must lie within -${L} .. ${L}`);
  if (lo > hi) throw new RangeError(`the window's low bound ${lo} is above its high bound ${hi}`);
}

/** `5m`, `90s`, `1h`, `2d`: the shortest whole-unit timespan literal for `seconds`. */
export function formatTimespanLiteral(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds < 0) throw new RangeError('a timespan knob must be whole seconds, ≥ 0');
  if (seconds === 0) return '0s';
  if (seconds % 86400 === 0) return `${seconds / 86400}d`;
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/** Reads `5m` / `90s` / `1h` / `2d` (or a bare number of seconds) as whole seconds; null if not one. */
export function parseTimespanSeconds(text: string): number | null {
  const t = text.trim();
  if (/^\d{1,7}$/.test(t)) return Number(t);
  const ticks = parseTimespanLiteral(t);
  if (ticks === null || ticks % TICKS_PER_SECOND !== 0n) return null;
  const s = ticks / TICKS_PER_SECOND;
  return s > BigInt(Number.MAX_SAFE_INTEGER) ? null : Number(s);
}

export function checkBootGrace(seconds: number): void {
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > KNOB_LIMITS.bootGraceSeconds)
    throw new RangeError(`the boot grace must be whole seconds within 0s .. ${KNOB_LIMITS.bootGraceSeconds / 86400}d`);
}

export function checkExclusions(names: readonly string[]): void {
  if (names.length > KNOB_LIMITS.exclusions) throw new RangeError(`at most ${KNOB_LIMITS.exclusions} child exclusions`);
  for (const n of names) {
    if (n.length === 0 || n.length > KNOB_LIMITS.exclusionLength)
      throw new RangeError(`a child exclusion must be 1..${KNOB_LIMITS.exclusionLength} characters`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(n)) throw new RangeError('a child exclusion must not hold control characters');
  }
}
