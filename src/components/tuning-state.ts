/**
 * The analyst's tuning state (allow-list, knobs, display zone, verdicts, notes): saved to a small
 * JSON file and mirrored in the URL hash. Both come back as untrusted data, so `parseTuningState`
 * validates every field, bounds every size, and drops what it does not understand.
 */
import { checkBootGrace, checkExclusions, checkWindow } from '../engine/worker/client';
import type { RuleKnobs, TuningInput, UnknownBoot, Verdict } from '../engine/worker/client';
import { isValidZone, type DisplayZone } from './zone';

export interface TuningState {
  readonly version: 1;
  /** Allow-list entries in order, and which are on. */
  readonly allowList: { readonly entries: readonly string[]; readonly active: readonly string[] } | null;
  readonly unknownBoot: UnknownBoot;
  readonly zone: DisplayZone;
  readonly verdicts: Readonly<Record<string, Verdict>>;
  readonly notes: Readonly<Record<string, string>>;
  /** Pinned cases (absent when there are none): alerts that must stay detected, candidates that must stay quiet. */
  readonly pins?: Pins;
  /** The rule's other constants as tuned (absent when all are as written; states saved before knobs load as is). */
  readonly knobs?: StateKnobs;
}

/** Knobs as saved: each field absent means "as written". */
export interface StateKnobs {
  /** `datetime_diff("second", …) between (lo .. hi)`. */
  readonly window?: { readonly lo: number; readonly hi: number };
  /** Seconds added to LastBootTime in the boot filter. */
  readonly bootGraceSeconds?: number;
  /** `FileName !in~ (...)`: every entry offered, in order, and which are on (like the allow-list). */
  readonly childExclusions?: { readonly entries: readonly string[]; readonly active: readonly string[] };
}

export interface Pins {
  /** Alert keys (`DetectionView.keys`). */
  readonly detected: readonly string[];
  /** Candidate keys (`CandidateView.key`). */
  readonly quiet: readonly string[];
}

export const EMPTY_STATE: TuningState = {
  version: 1,
  allowList: null,
  unknownBoot: 'drop',
  zone: 'UTC',
  verdicts: {},
  notes: {},
};

const MAX_ENTRIES = 500;
const MAX_ENTRY = 260;
const MAX_KEYS = 20_000;
const MAX_KEY = 300;
const MAX_NOTE = 2000;
const VERDICTS: readonly Verdict[] = ['true-positive', 'benign', 'false-positive'];

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, problems: string[], what: string): string[] {
  if (!Array.isArray(v)) {
    problems.push(`${what} is not a list`);
    return [];
  }
  const out: string[] = [];
  for (const x of v.slice(0, MAX_ENTRIES)) {
    if (typeof x === 'string' && x.length > 0 && x.length <= MAX_ENTRY && !out.includes(x)) out.push(x);
    else problems.push(`${what}: skipped an entry that is not a short file name`);
  }
  return out;
}

/** Validated state plus what was dropped; never throws. */
export function parseTuningState(data: unknown): { state: TuningState; problems: string[] } {
  const problems: string[] = [];
  if (!isRecord(data)) return { state: EMPTY_STATE, problems: ['not a JSON object'] };
  if (data.version !== 1) problems.push(`unknown version ${JSON.stringify(data.version)}; read as version 1`);
  let allowList: TuningState['allowList'] = null;
  if (isRecord(data.allowList)) {
    const entries = stringList(data.allowList.entries, problems, 'allowList.entries');
    const active = stringList(data.allowList.active, problems, 'allowList.active').filter((a) => entries.includes(a));
    allowList = { entries, active };
  } else if (data.allowList !== undefined && data.allowList !== null) problems.push('allowList is not an object');
  const unknownBoot: UnknownBoot = data.unknownBoot === 'keep' ? 'keep' : 'drop';
  if (data.unknownBoot !== undefined && data.unknownBoot !== 'keep' && data.unknownBoot !== 'drop')
    problems.push('unknownBoot must be "drop" or "keep"');
  let zone: DisplayZone = 'UTC';
  if (typeof data.zone === 'string' && isValidZone(data.zone)) zone = data.zone;
  else if (data.zone !== undefined) problems.push('zone is not a known time zone');
  const verdicts: Record<string, Verdict> = Object.create(null) as Record<string, Verdict>;
  const notes: Record<string, string> = Object.create(null) as Record<string, string>;
  const entries = (v: unknown): [string, unknown][] => (isRecord(v) ? Object.entries(v).slice(0, MAX_KEYS) : []);
  for (const [k, v] of entries(data.verdicts)) {
    if (k.length <= MAX_KEY && VERDICTS.includes(v as Verdict)) verdicts[k] = v as Verdict;
    else problems.push('verdicts: skipped an unknown verdict');
  }
  for (const [k, v] of entries(data.notes)) {
    if (k.length <= MAX_KEY && typeof v === 'string' && v.length <= MAX_NOTE) {
      if (v !== '') notes[k] = v;
    } else problems.push('notes: skipped a note that is not short text');
  }
  const pins = parsePins(data.pins, problems);
  const knobs = parseKnobs(data.knobs, problems);
  const state: TuningState = {
    version: 1,
    allowList,
    unknownBoot,
    zone,
    verdicts: { ...verdicts },
    notes: { ...notes },
  };
  return { state: { ...state, ...(pins ? { pins } : {}), ...(knobs ? { knobs } : {}) }, problems };
}

/** Runs an engine check (RangeError on a bad value) as a validation: the message, or null. */
function refused(check: () => void): string | null {
  try {
    check();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

/** `knobs` as saved: each field checked with the engine's own limits; null when absent or empty. */
function parseKnobs(v: unknown, problems: string[]): StateKnobs | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    problems.push('knobs is not an object');
    return null;
  }
  let window: StateKnobs['window'];
  if (v.window !== undefined) {
    const w = v.window;
    const bad = isRecord(w)
      ? refused(() => checkWindow(w.lo as number, w.hi as number))
      : 'not an object with lo and hi';
    if (bad === null && isRecord(w)) window = { lo: w.lo as number, hi: w.hi as number };
    else problems.push(`knobs.window: ${bad}`);
  }
  let bootGraceSeconds: number | undefined;
  if (v.bootGraceSeconds !== undefined) {
    const g = v.bootGraceSeconds;
    const bad = typeof g === 'number' ? refused(() => checkBootGrace(g)) : 'not a number of seconds';
    if (bad === null) bootGraceSeconds = g as number;
    else problems.push(`knobs.bootGraceSeconds: ${bad}`);
  }
  let childExclusions: StateKnobs['childExclusions'];
  if (v.childExclusions !== undefined) {
    const c = v.childExclusions;
    if (isRecord(c)) {
      const entries = stringList(c.entries, problems, 'knobs.childExclusions.entries').filter((e) => {
        const bad = refused(() => checkExclusions([e]));
        if (bad !== null) problems.push(`knobs.childExclusions.entries: ${bad}`);
        return bad === null;
      });
      const active = stringList(c.active, problems, 'knobs.childExclusions.active').filter((a) => entries.includes(a));
      childExclusions = { entries, active };
    } else problems.push('knobs.childExclusions is not an object');
  }
  const out: StateKnobs = {
    ...(window ? { window } : {}),
    ...(bootGraceSeconds !== undefined ? { bootGraceSeconds } : {}),
    ...(childExclusions ? { childExclusions } : {}),
  };
  return Object.keys(out).length > 0 ? out : null;
}

/** The knobs the engine runs for saved knobs (the active exclusions, in order). */
export function ruleKnobs(knobs: StateKnobs | undefined): RuleKnobs {
  if (!knobs) return {};
  const c = knobs.childExclusions;
  return {
    ...(knobs.window ? { window: knobs.window } : {}),
    ...(knobs.bootGraceSeconds !== undefined ? { bootGraceSeconds: knobs.bootGraceSeconds } : {}),
    ...(c ? { childExclusions: c.entries.filter((e) => c.active.includes(e)) } : {}),
  };
}

/** Drops empty knob fields; undefined when nothing is left (so the state and hash stay as before knobs). */
export function cleanKnobs(knobs: StateKnobs | undefined): StateKnobs | undefined {
  if (!knobs) return undefined;
  const out: StateKnobs = {
    ...(knobs.window ? { window: knobs.window } : {}),
    ...(knobs.bootGraceSeconds !== undefined ? { bootGraceSeconds: knobs.bootGraceSeconds } : {}),
    ...(knobs.childExclusions ? { childExclusions: knobs.childExclusions } : {}),
  };
  return Object.keys(out).length > 0 ? out : undefined;
}

function pinKeys(v: unknown, problems: string[], what: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    problems.push(`${what} is not a list`);
    return [];
  }
  const out: string[] = [];
  for (const x of v.slice(0, MAX_KEYS)) {
    if (typeof x === 'string' && x.length > 0 && x.length <= MAX_KEY) {
      if (!out.includes(x)) out.push(x);
    } else problems.push(`${what}: skipped a pin that is not a short key`);
  }
  return out;
}

/** `pins` as saved: two bounded lists of keys; null when absent or empty. */
function parsePins(v: unknown, problems: string[]): Pins | null {
  if (v === undefined || v === null) return null;
  if (!isRecord(v)) {
    problems.push('pins is not an object');
    return null;
  }
  const detected = pinKeys(v.detected, problems, 'pins.detected');
  const quiet = pinKeys(v.quiet, problems, 'pins.quiet');
  return detected.length + quiet.length > 0 ? { detected, quiet } : null;
}

/** Parses JSON text as tuning state (a file or the hash). */
export function parseTuningText(text: string): { state: TuningState; problems: string[] } {
  if (text.length > 2_000_000) return { state: EMPTY_STATE, problems: ['the state is larger than 2 MB'] };
  try {
    return parseTuningState(JSON.parse(text) as unknown);
  } catch {
    return { state: EMPTY_STATE, problems: ['not valid JSON'] };
  }
}

export function stateJson(state: TuningState): string {
  return JSON.stringify(state, null, 1);
}

/** `#state=<URI-encoded JSON>`, or '' for the default state (a clean URL). */
export function stateHash(state: TuningState): string {
  const same = JSON.stringify(state) === JSON.stringify(EMPTY_STATE);
  return same ? '' : `#state=${encodeURIComponent(JSON.stringify(state))}`;
}

/** The state in a location hash, or null when the hash holds none. */
export function readStateHash(hash: string): { state: TuningState; problems: string[] } | null {
  const m = /^#state=(.*)$/s.exec(hash);
  if (!m) return null;
  let text: string;
  try {
    text = decodeURIComponent(m[1]!);
  } catch {
    return { state: EMPTY_STATE, problems: ['the URL hash is not valid'] };
  }
  return parseTuningText(text);
}

/** What the engine runs for this state: the allow-list in force (null: the rule's own) and the knobs. */
export function tuningInput(state: Pick<TuningState, 'allowList' | 'unknownBoot' | 'knobs'>): TuningInput {
  const list = state.allowList;
  const knobs = ruleKnobs(state.knobs);
  return {
    allowList: list ? list.entries.filter((e) => list.active.includes(e)) : null,
    unknownBoot: state.unknownBoot,
    ...(Object.keys(knobs).length > 0 ? { knobs } : {}),
  };
}
