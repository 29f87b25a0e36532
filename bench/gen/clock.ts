import { formatDateTime, parseIsoDateTime } from '../../src/engine/time/ticks';

/** 100 ns ticks per second, in the number domain the generator works in. */
export const SEC = 10_000_000;
export const MS = 10_000;
export const MINUTE = 60 * SEC;
export const HOUR = 60 * MINUTE;

/** Days from 0001-01-01 to 1970-01-01. */
const UNIX_EPOCH_DAYS = 719_162;

/**
 * The generator keeps every time as a JS number of ticks relative to `origin` (exact: 2^53 ticks is
 * ~28 years), and converts to absolute Kusto ticks (bigint) only when printing. The origin is a
 * whole minute, so whole-second / 5 s alignment of an offset is the same as of the absolute time.
 */
export class Clock {
  readonly origin: bigint;
  private readonly originSec: number;
  private dayCache = new Map<number, string>();

  constructor(start: string) {
    const ticks = parseIsoDateTime(start);
    if (ticks === null) throw new Error(`not an ISO 8601 datetime: ${start}`);
    // Floor to the minute: planted boundary cases rely on the offset grid matching the absolute one.
    this.origin = ticks - (ticks % BigInt(MINUTE));
    this.originSec = Number(this.origin / BigInt(SEC));
  }

  abs(offset: number): bigint {
    return this.origin + BigInt(offset);
  }

  /** Kusto's JSON form, always 7 fraction digits (truth.json, cases.json). */
  exact(offset: number): string {
    return formatDateTime(this.abs(offset));
  }

  /**
   * The advanced-hunting export form: ISO 8601 UTC with the fraction's trailing zeros trimmed
   * (`2023-10-18T14:37:28.2012261Z`, `2021-08-02T13:32:07Z`).
   */
  csv(offset: number): string {
    const sec = Math.floor(offset / SEC);
    const frac = offset - sec * SEC;
    const absSec = this.originSec + sec;
    const day = Math.floor(absSec / 86400);
    let date = this.dayCache.get(day);
    if (date === undefined) {
      date = new Date((day - UNIX_EPOCH_DAYS) * 86_400_000).toISOString().slice(0, 10);
      this.dayCache.set(day, date);
    }
    const s = absSec - day * 86400;
    const hh = Math.floor(s / 3600);
    const mm = Math.floor((s % 3600) / 60);
    const ss = s % 60;
    let text = `${date}T${hh < 10 ? '0' : ''}${hh}:${mm < 10 ? '0' : ''}${mm}:${ss < 10 ? '0' : ''}${ss}`;
    if (frac !== 0) text += '.' + String(frac).padStart(7, '0').replace(/0+$/, '');
    return text + 'Z';
  }
}
