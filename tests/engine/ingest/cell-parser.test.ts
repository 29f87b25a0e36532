import { describe, expect, it } from 'vitest';
import {
  CELL_BAD,
  CELL_EMPTY,
  CELL_OK,
  CELL_RANGE,
  CELL_UNSAFE,
  CellParser,
  partsToTicks,
} from '../../../src/engine/ingest/cell-parser';
import { TimeColumnBuilder } from '../../../src/engine/ingest/column-builder';
import { formatDateTime, parseIsoDateTime } from '../../../src/engine/time/ticks';

function dt(text: string): string | null {
  const p = new CellParser();
  const st = p.dateTime(`xx${text}yy`, 2, 2 + text.length);
  return st === CELL_OK ? formatDateTime(partsToTicks(p.secs, p.frac)) : st === CELL_EMPTY ? '(empty)' : null;
}

describe('datetime cells', () => {
  const cases: [string, string | null][] = [
    ['2026-05-01T10:00:01Z', '2026-05-01T10:00:01.0000000Z'],
    ['2026-05-01T10:00:01.1Z', '2026-05-01T10:00:01.1000000Z'],
    ['2026-05-01T10:00:01.12Z', '2026-05-01T10:00:01.1200000Z'],
    ['2026-05-01T10:00:01.123Z', '2026-05-01T10:00:01.1230000Z'],
    ['2026-05-01T10:00:01.1234Z', '2026-05-01T10:00:01.1234000Z'],
    ['2026-05-01T10:00:01.12345Z', '2026-05-01T10:00:01.1234500Z'],
    ['2026-05-01T10:00:01.123456Z', '2026-05-01T10:00:01.1234560Z'],
    ['2026-05-01T10:00:01.1234567Z', '2026-05-01T10:00:01.1234567Z'],
    ['2026-05-01T10:00:01.123456789Z', '2026-05-01T10:00:01.1234567Z'],
    ['2026-05-01T10:00:01.1234567', '2026-05-01T10:00:01.1234567Z'],
    ['2026-05-01 10:00:01.5', '2026-05-01T10:00:01.5000000Z'],
    ['2026-05-01T12:00:01.25+02:00', '2026-05-01T10:00:01.2500000Z'],
    ['2026-05-01T08:00:01-0200', '2026-05-01T10:00:01.0000000Z'],
    ['2026-05-01', '2026-05-01T00:00:00.0000000Z'],
    ['  2026-05-01T10:00:01Z ', '2026-05-01T10:00:01.0000000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.0000000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.0000000Z'],
    ['9999-12-31T23:59:59.9999999Z', '9999-12-31T23:59:59.9999999Z'],
    ['5/1/2026, 10:00:01.123 PM', '2026-05-01T22:00:01.1230000Z'],
    ['5/1/2026, 10:00:01.123 AM', '2026-05-01T10:00:01.1230000Z'],
    ['12/31/2026, 12:00:00.000 AM', '2026-12-31T00:00:00.0000000Z'],
    ['12/31/2026, 12:30:00.000 PM', '2026-12-31T12:30:00.0000000Z'],
    ['1/2/2026, 12:59:59 AM', '2026-01-02T00:59:59.0000000Z'],
    ['1/2/2026 1:05 pm', '2026-01-02T13:05:00.0000000Z'],
    ['01/02/2026, 13:05:00', '2026-01-02T13:05:00.0000000Z'],
    ['9/3/2026', '2026-09-03T00:00:00.0000000Z'],
    ['', '(empty)'],
    ['2023-02-29T00:00:00Z', null],
    ['2026-13-01T00:00:00Z', null],
    ['2026-05-01T24:00:00Z', null],
    ['2026-05-01T10:00:01.Z', null],
    ['13/1/2026, 10:00:00 AM', null],
    ['5/1/2026, 0:00:00 AM', null],
    ['5/1/2026, 13:00:00 PM', null],
    ['5/1/26, 10:00 AM', null],
    ['yesterday', null],
    ['1714557601', null],
  ];
  it.each(cases)('%j -> %s', (text, want) => {
    expect(dt(text)).toBe(want);
  });

  it('marks the US portal form (millisecond precision)', () => {
    const p = new CellParser();
    expect(p.dateTime('5/1/2026, 10:00:01.123 PM', 0, 25)).toBe(CELL_OK);
    expect(p.usForm).toBe(true);
    expect(p.dateTime('2026-05-01T10:00:01Z', 0, 20)).toBe(CELL_OK);
    expect(p.usForm).toBe(false);
  });

  it('the fast path agrees with the engine parser on many instants', () => {
    const p = new CellParser();
    let x = 99;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      const y = 1 + (x % 9999);
      const mo = 1 + ((x >>> 3) % 12);
      const d = 1 + ((x >>> 7) % 28);
      const frac = String(x % 10_000_000)
        .padStart(7, '0')
        .slice(0, 1 + (x % 7));
      const s = `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(x % 24).padStart(2, '0')}:${String((x >>> 5) % 60).padStart(2, '0')}:${String((x >>> 9) % 60).padStart(2, '0')}.${frac}Z`;
      expect(p.dateTime(s, 0, s.length)).toBe(CELL_OK);
      expect(partsToTicks(p.secs, p.frac)).toBe(parseIsoDateTime(s));
    }
  });

  it('int32-half tick writes equal BigInt arithmetic across the whole range', () => {
    const b = new TimeColumnBuilder('datetime');
    const samples: [number, number][] = [
      [0, 0],
      [0, 9_999_999],
      [16777215, 9_999_999],
      [16777216, 0],
      [63_900_000_000, 1_234_567],
      [315_537_897_599, 9_999_999],
    ];
    samples.forEach(([s, f], i) => b.setParts(i, s, f));
    const col = b.finish(samples.length);
    samples.forEach(([s, f], i) => expect(col.values[i]).toBe(BigInt(s) * 10_000_000n + BigInt(f)));
  });
});

describe('number and bool cells', () => {
  const p = new CellParser();
  const int = (t: string): [number, number] => [p.integer(t, 0, t.length), p.value];
  it('integers', () => {
    expect(int('0')).toEqual([CELL_OK, 0]);
    expect(int(' 42 ')).toEqual([CELL_OK, 42]);
    expect(int('-7')[1]).toBe(-7);
    expect(int('+7')[1]).toBe(7);
    expect(int('9007199254740991')).toEqual([CELL_OK, 9007199254740991]);
    expect(int('-9007199254740991')).toEqual([CELL_OK, -9007199254740991]);
    expect(int('9007199254740992')[0]).toBe(CELL_UNSAFE);
    expect(int('9007199254740993')[0]).toBe(CELL_UNSAFE);
    expect(int('123456789012345678901234567890')[0]).toBe(CELL_UNSAFE);
    expect(int('')[0]).toBe(CELL_EMPTY);
    expect(int('1.0')[0]).toBe(CELL_BAD);
    expect(int('0x10')[0]).toBe(CELL_BAD);
    expect(int('-')[0]).toBe(CELL_BAD);
    expect(int('12a')[0]).toBe(CELL_BAD);
    expect(p.int32('2147483648', 0, 10)).toBe(CELL_RANGE);
    expect(p.int32('-2147483648', 0, 11)).toBe(CELL_OK);
  });
  it('reals', () => {
    expect(p.real('1.5e3', 0, 5)).toBe(CELL_OK);
    expect(p.value).toBe(1500);
    expect(p.real('0x10', 0, 4)).toBe(CELL_BAD);
    expect(p.real('-Infinity', 0, 9)).toBe(CELL_OK);
    expect(p.real('1e', 0, 2)).toBe(CELL_BAD);
  });
  it('bools', () => {
    for (const [t, v] of [
      ['true', 1],
      ['False', 0],
      ['TRUE', 1],
      ['1', 1],
      ['0', 0],
    ] as const) {
      expect(p.bool(t, 0, t.length)).toBe(CELL_OK);
      expect(p.value).toBe(v);
    }
    expect(p.bool('', 0, 0)).toBe(CELL_EMPTY);
    expect(p.bool('yes', 0, 3)).toBe(CELL_BAD);
    expect(p.bool('2', 0, 1)).toBe(CELL_BAD);
  });
});
