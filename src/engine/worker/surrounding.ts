/**
 * "± N seconds around this event": every row of the alert's device in both tables within the
 * window around its RPC event, nearest first when there are more than the view can draw.
 */
import type { Table } from '../table/table';
import { TICKS_PER_SECOND } from '../time/ticks';
import type { SurroundingEvents, TimedEvent } from './protocol';
import { numberAt, rowsOfDevice, stringAt, ticksAt, timedEvent } from './row-record';

const MAX_EVENTS = 400;

function label(t: Table, r: number): { label: string; detail: string } {
  if (t.name === 'DeviceNetworkEvents') {
    return {
      label: `${stringAt(t, 'ActionType', r)} ${stringAt(t, 'RemoteIP', r)}:${numberAt(t, 'RemotePort', r) ?? ''} → :${numberAt(t, 'LocalPort', r) ?? ''}`,
      detail: `${stringAt(t, 'InitiatingProcessFileName', r)} ${stringAt(t, 'InitiatingProcessCommandLine', r)}`,
    };
  }
  return {
    label: `${stringAt(t, 'FileName', r)} ← ${stringAt(t, 'InitiatingProcessFileName', r)}`,
    detail: stringAt(t, 'ProcessCommandLine', r),
  };
}

export function surroundingEvents(
  tables: ReadonlyMap<string, Table>,
  device: string,
  center: bigint,
  seconds: number,
): SurroundingEvents {
  const span = BigInt(Math.round(Math.max(0, Math.min(seconds, 3600)) * 1000)) * (TICKS_PER_SECOND / 1000n);
  const hits: { t: Table; r: number; d: bigint }[] = [];
  for (const name of ['DeviceNetworkEvents', 'DeviceProcessEvents']) {
    const t = tables.get(name);
    if (!t) continue;
    for (const r of rowsOfDevice(t, device)) {
      const ts = ticksAt(t, 'Timestamp', r);
      if (ts === null) continue;
      const d = ts - center;
      if (d >= -span && d <= span) hits.push({ t, r, d: d < 0n ? -d : d });
    }
  }
  hits.sort((a, b) => (a.d < b.d ? -1 : a.d > b.d ? 1 : 0));
  const kept = hits.slice(0, MAX_EVENTS);
  const events = kept
    .map(({ t, r }) => {
      const l = label(t, r);
      return timedEvent(t, r, l.label, l.detail);
    })
    .filter((e): e is TimedEvent => e !== null)
    .sort((a, b) => a.ms - b.ms);
  return { seconds, events, truncated: hits.length > kept.length };
}
