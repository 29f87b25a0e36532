import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery } from '../../../src/engine/kql/parser';
import {
  applyKnobs,
  formatTimespanLiteral,
  parseTimespanSeconds,
  readBootGrace,
  readChildExclusions,
  readKnobs,
  readWindow,
  setBootGrace,
  setChildExclusions,
  setWindow,
} from '../../../src/engine/rule/knobs';
import { loadRule, setUnknownBoot } from '../../../src/engine/rule/rule';
import { tuneQuery } from '../../../src/engine/rule/tune';
import { runQuery } from '../../../src/engine/run';
import { getValue, type Scalar } from '../../../src/engine/table/column';
import type { Table } from '../../../src/engine/table/table';
import { canonicalRows, canonicalSchema } from '../../reference/canonical';
import { dt } from '../../reference/fixtures';
import { referenceRun } from '../../reference/interpreter';
import { dcomTablesArb } from '../../reference/random-data';

const yaml = readFileSync(new URL('../../../src/rules/dcom-lateral-movement.yaml', import.meta.url), 'utf8');
const RULE = loadRule(yaml).rule!.query;

function parsesClean(text: string): void {
  expect(
    parseQuery(text).diagnostics.map((d) => d.message),
    text,
  ).toEqual([]);
}

/** The text outside [from, to) of `a` equals that of `b` (the splice touched nothing else). */
function onlyLineChanged(before: string, after: string, marker: string): void {
  const b = before.split('\n');
  const a = after.split('\n');
  expect(a.length).toBe(b.length);
  const changed = b.map((l, i) => (l === a[i] ? -1 : i)).filter((i) => i >= 0);
  expect(changed.length).toBe(1);
  expect(b[changed[0]!]).toContain(marker);
}

describe('reading the knobs of the shipped rule', () => {
  it('finds the window, the boot grace and the child exclusions', () => {
    expect(readKnobs(RULE)).toEqual({
      window: { lo: 0, hi: 2, unit: 'second' },
      bootGraceSeconds: 300,
      childExclusions: ['csc.exe'],
    });
  });

  it.each([
    ['no window', 'T | where x > 1', 'window'],
    ['between without datetime_diff', 'T | where x between (0 .. 2)', 'window'],
    [
      'two windows (ambiguous)',
      'T | where datetime_diff("second", a, b) between (0 .. 2) | where datetime_diff("second", c, d) between (1 .. 3)',
      'window',
    ],
    ['negated window', 'T | where datetime_diff("second", a, b) !between (0 .. 2)', 'window'],
    ['no boot literal', 'T | where TimestampProcEvent > LastBootTime', 'bootGraceSeconds'],
    ['boot grace not a timespan', 'T | where TimestampProcEvent > LastBootTime + x', 'bootGraceSeconds'],
    ['exclusions by let name', 'T | where FileName !in~ (allowListedExecs)', 'childExclusions'],
    ['no exclusions', 'T | where ProcessId > 1', 'childExclusions'],
  ] as const)('returns null for %s', (_what, text, field) => {
    expect(readKnobs(text)[field]).toBeNull();
  });

  it('reads a window with negative and parenthesised bounds, and a grace written the other way round', () => {
    expect(readWindow('T | where datetime_diff("minute", a, b) between (-3 .. (4))')).toEqual({
      lo: -3,
      hi: 4,
      unit: 'minute',
    });
    expect(readBootGrace('T | where t > 90s + LastBootTime')).toBe(90);
    expect(readChildExclusions('T | where FileName !in~ (dynamic(["a.exe"]), "b.exe")')).toEqual(['a.exe', 'b.exe']);
  });
});

describe('setting the window', () => {
  it.each([
    [0, 5, 'between (0 .. 5)'],
    [-3, 2, 'between (-3 .. 2)'],
    [1, 1, 'between (1 .. 1)'],
    [0, 3600, 'between (0 .. 3600)'],
  ])('between (%i .. %i)', (lo, hi, text) => {
    const out = setWindow(RULE, lo, hi)!;
    expect(out).toContain(text);
    parsesClean(out);
    expect(readWindow(out)).toEqual({ lo, hi, unit: 'second' });
    onlyLineChanged(RULE, out, 'between (0 .. 2)');
  });

  it.each([
    [3, 2, /above/],
    [0.5, 2, /integers/],
    [0, Number.NaN, /integers/],
    [0, 3601, /within/],
    [-5000, 0, /within/],
  ])('refuses (%s .. %s)', (lo, hi, msg) => {
    expect(() => setWindow(RULE, lo, hi)).toThrow(msg);
  });

  it('returns null on a rule without a window', () => {
    expect(setWindow('T | take 1', 0, 1)).toBeNull();
  });
});

describe('setting the boot grace', () => {
  it.each([
    [300, 'LastBootTime+5m'],
    [90, 'LastBootTime+90s'],
    [3600, 'LastBootTime+1h'],
    [0, 'LastBootTime+0s'],
    [172800, 'LastBootTime+2d'],
    [61, 'LastBootTime+61s'],
  ])('%i s prints as %s', (seconds, text) => {
    const out = setBootGrace(RULE, seconds)!;
    expect(out).toContain(text);
    parsesClean(out);
    expect(readBootGrace(out)).toBe(seconds);
  });

  it.each([-1, 1.5, 7 * 86400 + 1, Number.POSITIVE_INFINITY])('refuses %s', (s) => {
    expect(() => setBootGrace(RULE, s)).toThrow(RangeError);
  });

  it('composes with the unknown-boot rewrite in either order', () => {
    const a = setUnknownBoot(setBootGrace(RULE, 600)!, 'keep')!;
    const b = setBootGrace(setUnknownBoot(RULE, 'keep')!, 600)!;
    expect(a).toBe(b);
    expect(a).toContain(
      '| where isnull(LastBootTime) or TimestampProcEvent > LastBootTime+10m // Ignore first 5 min after boot.',
    );
    parsesClean(a);
    expect(readBootGrace(a)).toBe(600);
  });

  it('parses timespan inputs as whole seconds', () => {
    expect(
      ['5m', '90s', '1h', '2d', '300', ' 10m ', '1.5m', '1.5s', 'x', '5', '-5m'].map(parseTimespanSeconds),
    ).toEqual([300, 90, 3600, 172800, 300, 600, 90, null, null, 5, null]);
    expect(formatTimespanLiteral(5400)).toBe('90m');
    expect(() => formatTimespanLiteral(-1)).toThrow(RangeError);
  });
});

describe('setting the child exclusions', () => {
  const hostile = ['a"); DeviceInfo | take 1 //', 'back\\slash.exe', 'end\\', '"', "it's.exe", 'ünïcödé.exe', 'x\\"y'];

  it.each([
    [['csc.exe', 'cmd.exe'], 'FileName !in~ ("csc.exe", "cmd.exe")'],
    [[], 'FileName !in~ (dynamic([]))'],
    [['we"ird\\name.exe'], 'FileName !in~ ("we\\"ird\\\\name.exe")'],
  ])('%j prints as %s', (names, text) => {
    const out = setChildExclusions(RULE, names)!;
    expect(out).toContain(text);
    parsesClean(out);
    expect(readChildExclusions(out)).toEqual(names);
    onlyLineChanged(RULE, out, 'csc.exe');
  });

  it('keeps hostile names inside the literal: they read back verbatim and add no operator', () => {
    const out = setChildExclusions(RULE, hostile)!;
    parsesClean(out);
    expect(readChildExclusions(out)).toEqual(hostile);
    // Still exactly one take-free pipeline: the names did not escape into the query.
    expect(parseQuery(out).query.statements.length).toBe(parseQuery(RULE).query.statements.length);
    expect(/\|\s*take/.test(out.replace(/"(?:[^"\\]|\\.)*"/g, '""'))).toBe(false);
  });

  it('an empty list can be filled again', () => {
    const empty = setChildExclusions(RULE, [])!;
    expect(readChildExclusions(setChildExclusions(empty, ['csc.exe'])!)).toEqual(['csc.exe']);
    expect(setChildExclusions(empty, ['csc.exe'])).toBe(RULE);
  });

  it.each([[['']], [['a\nb']], [['x'.repeat(261)]], [Array.from({ length: 501 }, (_, i) => `f${i}.exe`)]])(
    'refuses bad names',
    (names) => {
      expect(() => setChildExclusions(RULE, names)).toThrow(RangeError);
    },
  );
});

describe('applyKnobs and tuneQuery', () => {
  it('applies every knob and leaves the rest of the text unchanged', () => {
    const out = applyKnobs(RULE, { window: { lo: 0, hi: 7 }, bootGraceSeconds: 60, childExclusions: [] });
    parsesClean(out);
    expect(readKnobs(out)).toEqual({
      window: { lo: 0, hi: 7, unit: 'second' },
      bootGraceSeconds: 60,
      childExclusions: [],
    });
    expect(out).toContain('// Allow-listing the magic of Defender.');
    expect(applyKnobs(RULE, {})).toBe(RULE);
  });

  it('names the construct a rule lacks', () => {
    expect(() => applyKnobs('T | take 1', { window: { lo: 0, hi: 1 } })).toThrow(/between/);
    expect(() => applyKnobs('T | take 1', { bootGraceSeconds: 1 })).toThrow(/LastBootTime/);
    expect(() => applyKnobs('T | take 1', { childExclusions: [] })).toThrow(/FileName/);
  });

  it('tuneQuery splices allow-list, unknown boot and knobs together', () => {
    const { query, allowList } = tuneQuery(RULE, {
      allowList: ['mmc.exe'],
      unknownBoot: 'keep',
      knobs: { window: { lo: -1, hi: 4 }, bootGraceSeconds: 120, childExclusions: ['csc.exe', 'conhost.exe'] },
    });
    parsesClean(query);
    expect(allowList).toEqual(['mmc.exe']);
    expect(query).toContain('let allowListedExecs = dynamic(["mmc.exe"]);');
    expect(query).toContain('isnull(LastBootTime) or TimestampProcEvent > LastBootTime+2m');
    expect(query).toContain('between (-1 .. 4)');
    expect(query).toContain('FileName !in~ ("csc.exe", "conhost.exe")');
    expect(tuneQuery(RULE, { allowList: null, unknownBoot: 'drop' }).query).toBe(RULE);
  });
});

const NOW = dt('2024-05-01T10:05:00Z');

async function compare(text: string, tables: ReadonlyMap<string, Table>): Promise<void> {
  const { query, diagnostics } = parseQuery(text);
  expect(diagnostics).toEqual([]);
  const expected = referenceRun(query, tables, { now: NOW });
  for (const optimise of [true, false]) {
    const t = (await runQuery(text, tables, { now: NOW, optimise })).table;
    const columns = t.schema.map((c) => ({ name: c.name, type: c.type }));
    const rows: Scalar[][] = [];
    for (let r = 0; r < t.rowCount; r++) rows.push(t.columns.map((c) => getValue(c, r)));
    expect(canonicalSchema(columns)).toEqual(canonicalSchema(expected.columns));
    expect(canonicalRows(columns, rows), `${text} (optimise: ${optimise})`).toEqual(
      canonicalRows(expected.columns, expected.rows),
    );
  }
}

describe('the tuned rule: engine equals the reference interpreter', () => {
  const knobsArb = fc.record(
    {
      window: fc
        .tuple(fc.integer({ min: -4, max: 6 }), fc.integer({ min: 0, max: 6 }))
        .map(([lo, w]) => ({ lo, hi: lo + w })),
      bootGraceSeconds: fc.constantFrom(0, 1, 4, 5, 59, 60, 299, 300, 301, 3600),
      childExclusions: fc.subarray(['csc.exe', 'cmd.exe', 'powershell.exe', 'CMD.EXE', 'conhost.exe']),
    },
    { requiredKeys: [] },
  );

  it('on random DCOM chains with random knobs and the unknown-boot knob', async () => {
    await fc.assert(
      fc.asyncProperty(
        dcomTablesArb(),
        knobsArb,
        fc.constantFrom('drop', 'keep') as fc.Arbitrary<'drop' | 'keep'>,
        (tables, knobs, unknownBoot) => compare(tuneQuery(RULE, { allowList: null, unknownBoot, knobs }).query, tables),
      ),
      { seed: 20240502, numRuns: 120 },
    );
  });
});
