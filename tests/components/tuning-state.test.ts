import { describe, expect, it } from 'vitest';
import {
  EMPTY_STATE,
  parseTuningState,
  parseTuningText,
  readStateHash,
  stateHash,
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
});
