import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE,
  parseTuningState,
  parseTuningText,
  readStateHash,
  stateHash,
  tuningInput,
  type TuningState,
} from '../../src/components/tuning-state';

const full: TuningState = {
  version: 1,
  allowList: { entries: ['dllhost.exe', 'mmc.exe'], active: ['mmc.exe'] },
  unknownBoot: 'keep',
  zone: 'Asia/Kolkata',
  verdicts: { 'a|b|c|1': 'true-positive', 'x|y|z|2': 'benign' },
  notes: { 'a|b|c|1': 'lateral move from jump host' },
};

describe('tuning state', () => {
  it('round-trips through the URL hash and JSON', () => {
    const hash = stateHash(full);
    expect(hash).toMatch(/^#state=/);
    expect(readStateHash(hash)).toEqual({ state: full, problems: [] });
    expect(parseTuningText(JSON.stringify(full))).toEqual({ state: full, problems: [] });
    expect(stateHash(EMPTY_STATE)).toBe('');
    expect(readStateHash('#other')).toBeNull();
  });

  it.each([
    ['not JSON', '{', 'not valid JSON'],
    ['not an object', '[1,2]', 'not a JSON object'],
    ['a bad zone', JSON.stringify({ version: 1, zone: 'Mars/Base' }), 'zone is not a known time zone'],
    ['a bad knob', JSON.stringify({ version: 1, unknownBoot: 'maybe' }), 'unknownBoot must be "drop" or "keep"'],
    [
      'an unknown verdict',
      JSON.stringify({ version: 1, verdicts: { k: 'evil' } }),
      'verdicts: skipped an unknown verdict',
    ],
    [
      'a non-string note',
      JSON.stringify({ version: 1, notes: { k: { html: '<img>' } } }),
      'notes: skipped a note that is not short text',
    ],
    [
      'a list that is not a list',
      JSON.stringify({ version: 1, allowList: { entries: 'x', active: [] } }),
      'allowList.entries is not a list',
    ],
  ])('rejects %s', (_, text, problem) => {
    const { state, problems } = parseTuningText(text);
    expect(problems).toContain(problem);
    expect(state.zone === 'UTC' || state.zone === 'local' || state.zone.includes('/')).toBe(true);
  });

  it('keeps only valid parts, drops active entries not in the list, and ignores prototype keys', () => {
    const { state } = parseTuningState(
      JSON.parse(
        '{"version":1,"allowList":{"entries":["a.exe",5,"a.exe",""],"active":["a.exe","ghost.exe"]},"verdicts":{"__proto__":"benign","k":"false-positive"},"notes":{"k":""}}',
      ) as unknown,
    );
    expect(state.allowList).toEqual({ entries: ['a.exe'], active: ['a.exe'] });
    expect(state.verdicts).toEqual({ ['__proto__']: 'benign', k: 'false-positive' });
    expect(Object.getPrototypeOf(state.verdicts)).toBe(Object.prototype);
    expect(state.notes).toEqual({});
  });

  it('bounds sizes', () => {
    expect(parseTuningText('x'.repeat(2_000_001)).problems).toEqual(['the state is larger than 2 MB']);
    const long = parseTuningState({ version: 1, notes: { k: 'x'.repeat(2001) } });
    expect(long.state.notes).toEqual({});
    expect(readStateHash('#state=%E0%A4%A')?.problems).toEqual(['the URL hash is not valid']);
  });

  const knobbed: TuningState = {
    ...full,
    knobs: {
      window: { lo: -1, hi: 5 },
      bootGraceSeconds: 90,
      childExclusions: { entries: ['csc.exe', 'we"ird\\name.exe'], active: ['we"ird\\name.exe'] },
    },
  };

  it('round-trips the knobs through the URL hash and JSON, and feeds the active exclusions to the engine', () => {
    expect(readStateHash(stateHash(knobbed))).toEqual({ state: knobbed, problems: [] });
    expect(parseTuningText(JSON.stringify(knobbed))).toEqual({ state: knobbed, problems: [] });
    expect(tuningInput(knobbed)).toEqual({
      allowList: ['mmc.exe'],
      unknownBoot: 'keep',
      knobs: { window: { lo: -1, hi: 5 }, bootGraceSeconds: 90, childExclusions: ['we"ird\\name.exe'] },
    });
    // A state saved before knobs existed loads unchanged, without a knobs field, and runs as written.
    const old = parseTuningText(JSON.stringify(full));
    expect('knobs' in old.state).toBe(false);
    expect(tuningInput(old.state)).toEqual({ allowList: ['mmc.exe'], unknownBoot: 'keep' });
  });

  it.each([
    ['knobs not an object', 7, 'knobs is not an object', undefined],
    [
      'lo above hi',
      { window: { lo: 3, hi: 1 } },
      "knobs.window: the window's low bound 3 is above its high bound 1",
      undefined,
    ],
    [
      'fractional bounds',
      { window: { lo: 0, hi: 2.5 } },
      'knobs.window: the window bounds must be integers',
      undefined,
    ],
    ['string bounds', { window: { lo: '0', hi: '2' } }, 'knobs.window: the window bounds must be integers', undefined],
    [
      'huge bounds',
      { window: { lo: 0, hi: 1e9 } },
      'knobs.window: the window bounds must lie within -3600 .. 3600',
      undefined,
    ],
    ['window not an object', { window: [0, 2] }, 'knobs.window: not an object with lo and hi', undefined],
    [
      'negative grace',
      { bootGraceSeconds: -5 },
      'knobs.bootGraceSeconds: the boot grace must be whole seconds within 0s .. 7d',
      undefined,
    ],
    ['grace as text', { bootGraceSeconds: '5m' }, 'knobs.bootGraceSeconds: not a number of seconds', undefined],
    [
      'a control character in an exclusion',
      { childExclusions: { entries: ['a\nb', 'ok.exe'], active: ['a\nb', 'ok.exe'] } },
      'knobs.childExclusions.entries: a child exclusion must not hold control characters',
      { childExclusions: { entries: ['ok.exe'], active: ['ok.exe'] } },
    ],
    [
      'exclusions not an object',
      { childExclusions: ['csc.exe'], window: { lo: 0, hi: 4 } },
      'knobs.childExclusions is not an object',
      { window: { lo: 0, hi: 4 } },
    ],
  ])('validates knobs: %s', (_what, knobs, problem, kept) => {
    const { state, problems } = parseTuningState({ version: 1, knobs });
    expect(problems).toContain(problem);
    expect(state.knobs).toEqual(kept);
  });

  it('bounds the exclusion list and drops active entries not offered', () => {
    const entries = Array.from({ length: 800 }, (_, i) => `f${i}.exe`);
    const { state } = parseTuningState({
      version: 1,
      knobs: { childExclusions: { entries, active: ['ghost.exe', 'f1.exe'] } },
    });
    expect(state.knobs?.childExclusions?.entries).toHaveLength(500);
    expect(state.knobs?.childExclusions?.active).toEqual(['f1.exe']);
  });
});
