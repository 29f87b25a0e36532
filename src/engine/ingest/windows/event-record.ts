import { parseIsoDateTime, TICKS_PER_SECOND } from '../../time/ticks';

/**
 * One Windows event record, whatever JSON shape carried it: NXLog as in the OTRF datasets
 * (fields flattened to the top level, `Hostname`, local `EventTime`), winlogbeat (`winlog.*`,
 * `@timestamp` = event time) and flat EVTX dumps (`ProviderName`, `Computer`, `TimeCreated` in
 * UTC; EvtxECmd rows are converted to this shape by `fromEvtxECmdRow`).
 */
export type EventShape = 'nxlog' | 'winlogbeat' | 'evtx-flat';

export interface EventView {
  readonly shape: EventShape;
  readonly eventId: number;
  readonly source: 'sysmon' | 'security' | 'other';
  /** Channel as written (OTRF mixes `Security` and `security`). */
  readonly channel: string;
  /** Computer name as written (DeviceName). */
  readonly host: string;
  /** The record's own time in UTC ticks, when the shape carries it with a known zone. */
  readonly timeUtc: bigint | null;
  /**
   * NXLog `EventTime`: local wall-clock time without an offset marker (OTRF README "Three
   * different clocks"), as ticks read as if UTC; the offset is learnt later.
   */
  readonly timeLocal: bigint | null;
  /** EventData field as text; undefined when absent, null, `-` is kept as written. */
  field(name: string): string | undefined;
}

/** Key set by `fromEvtxECmdRow`, so reports can say the records came from an EvtxECmd CSV. */
export const EVTXECMD_MARK = '@evtxecmd';

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function eventIdOf(v: unknown): number | null {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && /^\s*\d{1,6}\s*$/.test(v)) return Number(v);
  return null;
}

function objectOf(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/**
 * A Sysmon / Windows Security / other Windows event record in one of the accepted shapes.
 * Defender advanced-hunting rows and streaming-API records are not (no `EventID` + channel/host).
 */
export function isWindowsEventRecord(rec: Record<string, unknown>): boolean {
  const winlog = objectOf(rec.winlog);
  if (winlog !== null) return eventIdOf(winlog.event_id) !== null;
  if (eventIdOf(rec.EventID) === null) return false;
  const hasOrigin =
    typeof rec.Channel === 'string' || typeof rec.ProviderName === 'string' || typeof rec.SourceName === 'string';
  const hasHost = typeof rec.Hostname === 'string' || typeof rec.Computer === 'string';
  return hasOrigin && hasHost;
}

const ZONE_RE = /(Z|z|UTC|GMT|[+-]\d{2}:?\d{2})\s*$/;

function classify(channel: string, provider: string): EventView['source'] {
  if (/sysmon/i.test(channel) || /sysmon/i.test(provider)) return 'sysmon';
  if (channel.toLowerCase() === 'security' || provider === 'Microsoft-Windows-Security-Auditing') return 'security';
  return 'other';
}

/** Reads a record's common parts; null when it is not a Windows event record. */
export function readEventRecord(rec: Record<string, unknown>): EventView | null {
  const winlog = objectOf(rec.winlog);
  if (winlog !== null) {
    const eventId = eventIdOf(winlog.event_id);
    if (eventId === null) return null;
    const data = objectOf(winlog.event_data) ?? {};
    const channel = text(winlog.channel) ?? '';
    const provider = text(winlog.provider_name) ?? '';
    const ts = text(rec['@timestamp']);
    return {
      shape: 'winlogbeat',
      eventId,
      source: classify(channel, provider),
      channel,
      host: text(winlog.computer_name) ?? text(objectOf(rec.host)?.name) ?? '',
      // winlogbeat sets @timestamp to the event's TimeCreated (unlike Logstash-stamped OTRF files).
      timeUtc: ts === undefined ? null : parseIsoDateTime(ts),
      timeLocal: null,
      field: (name) => text(data[name]),
    };
  }
  const eventId = eventIdOf(rec.EventID);
  if (eventId === null) return null;
  const channel = text(rec.Channel) ?? '';
  const provider = text(rec.ProviderName) ?? text(rec.SourceName) ?? '';
  const created = text(rec.TimeCreated);
  const eventTime = text(rec.EventTime);
  let timeUtc: bigint | null = null;
  let timeLocal: bigint | null = null;
  let shape: EventShape = 'evtx-flat';
  if (created !== undefined) timeUtc = parseIsoDateTime(created);
  else if (eventTime !== undefined) {
    // NXLog: `EventTime` is local time without an offset; never `@timestamp` (ingest time).
    shape = 'nxlog';
    if (ZONE_RE.test(eventTime)) timeUtc = parseIsoDateTime(eventTime);
    else timeLocal = parseIsoDateTime(eventTime);
  } else if (typeof rec.Hostname === 'string') shape = 'nxlog';
  return {
    shape,
    eventId,
    source: classify(channel, provider),
    channel,
    host: text(rec.Hostname) ?? text(rec.Computer) ?? '',
    timeUtc,
    timeLocal,
    field: (name) => text(rec[name]),
  };
}

/**
 * NXLog also stamps `EventReceivedTime` (local) and Logstash `@timestamp` (UTC) at collection:
 * their difference is the collector's UTC offset plus a delay of seconds to minutes. Returned in
 * seconds, or null. Used only when no Sysmon `UtcTime` is available to learn the offset from.
 */
export function receivedOffsetSeconds(rec: Record<string, unknown>): number | null {
  const recv = text(rec.EventReceivedTime);
  const ts = text(rec['@timestamp']);
  if (recv === undefined || ts === undefined || ZONE_RE.test(recv)) return null;
  const a = parseIsoDateTime(recv);
  const b = parseIsoDateTime(ts);
  if (a === null || b === null) return null;
  return Number((a - b) / TICKS_PER_SECOND);
}
