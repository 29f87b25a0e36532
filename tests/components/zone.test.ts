import { describe, expect, it } from 'vitest';
import { formatClock, formatInstant, gapText, isoTicks, isValidZone } from '../../src/components/zone';

describe('formatInstant', () => {
  it.each([
    ['UTC', 7, '2024-05-01 08:08:44.9000000 UTC'],
    ['UTC', 3, '2024-05-01 08:08:44.900 UTC'],
    ['UTC', 0, '2024-05-01 08:08:44 UTC'],
    ['Asia/Kolkata', 7, '2024-05-01 13:38:44.9000000 UTC+05:30'],
    ['America/New_York', 7, '2024-05-01 04:08:44.9000000 UTC-04:00'],
    ['Europe/London', 7, '2024-05-01 09:08:44.9000000 UTC+01:00'],
  ])('%s with %i digits', (zone, digits, want) => {
    expect(formatInstant('2024-05-01T08:08:44.9000000Z', zone, digits)).toBe(want);
  });

  it('keeps all 7 digits (never rounds) and crosses the date line', () => {
    expect(formatInstant('2024-12-31T23:59:59.9999999Z', 'Asia/Tokyo')).toBe('2025-01-01 08:59:59.9999999 UTC+09:00');
    expect(formatInstant('2024-12-31T23:59:59.9999999Z', 'UTC', 3)).toBe('2024-12-31 23:59:59.999 UTC');
  });

  it('names zero-offset named zones by offset, and leaves non-ISO text alone', () => {
    expect(formatInstant('2024-01-15T10:00:00.0000000Z', 'Europe/London')).toBe(
      '2024-01-15 10:00:00.0000000 UTC+00:00',
    );
    expect(formatInstant('not a time', 'UTC')).toBe('not a time');
  });

  it('uses the browser zone for local (TZ=UTC in tests)', () => {
    expect(formatInstant('2024-05-01T08:08:44.9000000Z', 'local')).toBe('2024-05-01 08:08:44.9000000 UTC+00:00');
  });
});

describe('clock, gaps and zone names', () => {
  it('formats axis clocks in the zone', () => {
    const ms = Date.parse('2024-05-01T08:08:44.250Z');
    expect(formatClock(ms, 'UTC')).toBe('08:08:44.250');
    expect(formatClock(ms, 'Asia/Kolkata', 0)).toBe('13:38:44');
  });

  it('measures gaps exactly from the ISO text', () => {
    expect(gapText('2024-05-01T08:08:44.9000000Z', '2024-05-01T08:08:45.3000000Z')).toBe('+0.4 s');
    expect(gapText('2024-05-01T08:08:44.9000000Z', '2024-05-01T08:08:45.3000000Z', 2)).toBe('+0.40 s');
    expect(gapText('2024-05-01T09:03:20.9000000Z', '2024-05-01T09:03:20.1000000Z')).toBe('-0.8 s');
    expect(gapText('2024-05-01T00:00:00.0000000Z', '2024-05-01T00:00:00.0000001Z')).toBe('+0.0000001 s');
    expect(isoTicks('2024-05-01T00:00:00.1234567Z')! % 10_000_000n).toBe(1234567n);
  });

  it('accepts known zones only', () => {
    expect(isValidZone('UTC')).toBe(true);
    expect(isValidZone('local')).toBe(true);
    expect(isValidZone('Europe/Berlin')).toBe(true);
    expect(isValidZone('Mars/Olympus')).toBe(false);
    expect(isValidZone('<script>')).toBe(false);
    expect(isValidZone('')).toBe(false);
  });
});
