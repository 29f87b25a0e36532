/**
 * Display time zones: UTC (default), the browser's local zone, or a named IANA zone. Times arrive
 * as ISO 8601 UTC text with 7 fraction digits; the fraction never depends on the zone (offsets are
 * whole minutes), so it is copied from the text and full 100 ns precision survives any zone.
 */

/** `UTC`, `local`, or an IANA zone name such as `Europe/Berlin`. */
export type DisplayZone = string;

const ISO = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.(\d{1,7}))?Z$/;

/** True for `UTC`, `local`, or a zone name this browser's Intl knows. */
export function isValidZone(zone: string): boolean {
  if (zone === 'UTC' || zone === 'local') return true;
  if (zone.length > 64 || !/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: DisplayZone): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(zone === 'local' ? {} : { timeZone: zone }),
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'longOffset',
    });
    formatters.set(zone, f);
  }
  return f;
}

interface WallTime {
  readonly date: string;
  readonly time: string;
  /** `UTC` for the UTC zone, else the offset as `UTC+05:30`. */
  readonly zone: string;
}

/** Wall-clock date and time (to the second) of epoch milliseconds in `zone`. */
function wallTime(ms: number, zone: DisplayZone): WallTime {
  if (zone === 'UTC') {
    const iso = new Date(Math.floor(ms / 1000) * 1000).toISOString();
    return { date: iso.slice(0, 10), time: iso.slice(11, 19), zone: 'UTC' };
  }
  const parts: Record<string, string> = {};
  for (const p of formatter(zone).formatToParts(new Date(Math.floor(ms / 1000) * 1000))) parts[p.type] = p.value;
  const offset = (parts.timeZoneName ?? 'GMT').replace(/^GMT/, '');
  return {
    date: `${parts.year}-${parts.month}-${parts.day}`,
    time: `${parts.hour}:${parts.minute}:${parts.second}`,
    zone: `UTC${offset === '' ? '+00:00' : offset}`,
  };
}

/**
 * `2024-05-01T08:08:44.9000000Z` in `zone` as `2024-05-01 08:08:44.9000000 UTC` (or
 * `… UTC+05:30`), with `digits` fraction digits (0-7, truncated, never rounded). Other text is
 * returned unchanged.
 */
export function formatInstant(iso: string, zone: DisplayZone, digits = 7): string {
  const m = ISO.exec(iso);
  if (!m) return iso;
  const w = wallTime(Date.parse(`${m[1]}T${m[2]}Z`), zone);
  const frac = (m[3] ?? '').padEnd(7, '0').slice(0, digits);
  return `${w.date} ${w.time}${frac ? `.${frac}` : ''} ${w.zone}`;
}

/** A clock label for an axis tick at epoch `ms`: `08:32:21.250` (no date, no zone). */
export function formatClock(ms: number, zone: DisplayZone, digits = 3): string {
  const w = wallTime(ms, zone);
  const frac = String(Math.floor((((ms % 1000) + 1000) % 1000) * 1e4))
    .padStart(7, '0')
    .slice(0, digits);
  return `${w.time}${frac ? `.${frac}` : ''}`;
}

/** The zone as printed on times at `ms` (`UTC`, `UTC+02:00`). */
export function zoneSuffix(ms: number, zone: DisplayZone): string {
  return wallTime(ms, zone).zone;
}

/** A human name for the zone switch: `UTC`, `local (Europe/Berlin)`, or the IANA name. */
export function zoneName(zone: DisplayZone): string {
  if (zone !== 'local') return zone;
  return `local (${new Intl.DateTimeFormat().resolvedOptions().timeZone})`;
}

/** ISO text to exact 100 ns ticks since the epoch (BigInt), or null. */
export function isoTicks(iso: string): bigint | null {
  const m = ISO.exec(iso);
  if (!m) return null;
  return BigInt(Date.parse(`${m[1]}T${m[2]}Z`)) * 10_000n + BigInt((m[3] ?? '').padEnd(7, '0'));
}

/** A signed gap between two ISO times, exact: `+0.4 s`, `+2761.8638942 s`, `-0.8 s`. */
export function gapText(fromIso: string, toIso: string, digits = 7): string {
  const a = isoTicks(fromIso);
  const b = isoTicks(toIso);
  if (a === null || b === null) return '';
  const d = b - a;
  const abs = d < 0n ? -d : d;
  const frac = (abs % 10_000_000n).toString().padStart(7, '0').slice(0, digits);
  const shown = digits === 7 ? frac.replace(/0+$/, '') || '0' : frac;
  return `${d < 0n ? '-' : '+'}${abs / 10_000_000n}${shown ? `.${shown}` : ''} s`;
}
