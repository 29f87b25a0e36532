/**
 * The knob editor's draft: the values being edited (text for the boot grace, as typed), checked
 * with the engine's limits, and turned into the knobs to save: a value equal to the rule as
 * written is left out, so an untouched rule keeps a clean state and URL.
 */
import {
  checkBootGrace,
  checkExclusions,
  checkWindow,
  formatTimespanLiteral,
  parseTimespanSeconds,
} from '../engine/worker/client';
import type { RuleSummary } from '../engine/worker/client';
import { cleanKnobs, type StateKnobs } from './tuning-state';

export type WrittenKnobs = RuleSummary['knobs'];

export interface KnobDraft {
  readonly window: { readonly lo: number; readonly hi: number } | null;
  readonly grace: string;
  readonly exclusions: { readonly entries: readonly string[]; readonly active: readonly string[] } | null;
}

/** The knobs in force as a draft (applied values over the rule as written). */
export function draftOf(written: WrittenKnobs, knobs: StateKnobs | undefined): KnobDraft {
  const grace = knobs?.bootGraceSeconds ?? written.bootGraceSeconds;
  const ex =
    knobs?.childExclusions ??
    (written.childExclusions ? { entries: written.childExclusions, active: written.childExclusions } : null);
  return {
    window: knobs?.window ?? (written.window ? { lo: written.window.lo, hi: written.window.hi } : null),
    grace: grace === null ? '' : Number.isInteger(grace) ? formatTimespanLiteral(grace) : `${grace}s`,
    exclusions: ex,
  };
}

function problem(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

const sameList = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** The knobs a draft stands for, or the problems that keep it from running. */
export function knobsOfDraft(
  written: WrittenKnobs,
  draft: KnobDraft,
): { knobs: StateKnobs | undefined; problems: string[] } {
  const problems: string[] = [];
  let window: StateKnobs['window'];
  if (draft.window && written.window) {
    const { lo, hi } = draft.window;
    const bad = problem(() => checkWindow(lo, hi));
    if (bad) problems.push(`Window: ${bad}`);
    else if (lo !== written.window.lo || hi !== written.window.hi) window = { lo, hi };
  }
  let bootGraceSeconds: number | undefined;
  if (written.bootGraceSeconds !== null) {
    const s = parseTimespanSeconds(draft.grace);
    const bad =
      s === null ? `"${draft.grace}" is not a timespan such as 90s, 5m, 1h or 2d` : problem(() => checkBootGrace(s));
    if (bad) problems.push(`Boot grace: ${bad}`);
    else if (s !== written.bootGraceSeconds) bootGraceSeconds = s!;
  }
  let childExclusions: StateKnobs['childExclusions'];
  if (draft.exclusions && written.childExclusions) {
    const bad = problem(() => checkExclusions(draft.exclusions!.entries));
    if (bad) problems.push(`Child exclusions: ${bad}`);
    else if (
      !sameList(draft.exclusions.entries, written.childExclusions) ||
      !sameList(draft.exclusions.active, written.childExclusions)
    )
      childExclusions = draft.exclusions;
  }
  return {
    knobs: cleanKnobs({
      ...(window ? { window } : {}),
      ...(bootGraceSeconds !== undefined ? { bootGraceSeconds } : {}),
      ...(childExclusions ? { childExclusions } : {}),
    }),
    problems,
  };
}

/** Equal knobs (order of the fields aside). */
export function sameKnobs(a: StateKnobs | undefined, b: StateKnobs | undefined): boolean {
  const norm = (k: StateKnobs | undefined) =>
    JSON.stringify([k?.window ?? null, k?.bootGraceSeconds ?? null, k?.childExclusions ?? null]);
  return norm(a) === norm(b);
}
