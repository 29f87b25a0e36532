/**
 * Fan-out: alerts grouped by remote IP, one lane per target host on a shared time axis per source
 * (d3 scale), so "one source reached 4 hosts in 21 s" reads at a glance.
 */
import { scaleUtc, type ScaleTime } from 'd3';
import type { Cell, ResultColumn } from '../engine/worker/client';

export interface FanOutGroup {
  readonly remoteIp: string;
  readonly hosts: readonly {
    readonly name: string;
    readonly y: number;
    readonly points: readonly { x: number; iso: string; row: number }[];
  }[];
  readonly x: ScaleTime<number, number>;
  readonly spanMs: number;
  readonly count: number;
  readonly height: number;
}

export const FAN_LEFT = 230;
export const FAN_RIGHT = 24;
export const FAN_LANE = 26;
export const FAN_TOP = 8;
export const FAN_AXIS = 28;

const msOf = (iso: string): number => {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(iso);
  return m ? Date.parse(`${m[1]}Z`) + Number(`0.${m[2] ?? '0'}`) * 1000 : NaN;
};

export function layoutFanOut(
  columns: readonly ResultColumn[],
  rows: readonly (readonly Cell[])[],
  width: number,
): FanOutGroup[] {
  const col = (n: string): number => columns.findIndex((c) => c.name === n);
  const [ip, host, time] = [col('RemoteIP'), col('DeviceName'), col('TimestampNetwEventExact')];
  const bySource = new Map<string, { host: string; iso: string; row: number }[]>();
  rows.forEach((r, row) => {
    const key = String(r[ip] ?? '');
    const iso = String(r[time] ?? '');
    const list = bySource.get(key) ?? [];
    list.push({ host: String(r[host] ?? ''), iso, row });
    bySource.set(key, list);
  });
  const groups: FanOutGroup[] = [];
  for (const [remoteIp, hits] of bySource) {
    const ms = hits.map((h) => msOf(h.iso)).filter((m) => Number.isFinite(m));
    const lo = Math.min(...ms);
    const hi = Math.max(...ms);
    const pad = Math.max(hi - lo, 1000) * 0.05;
    const x = scaleUtc()
      .domain([lo - pad, hi + pad])
      .range([FAN_LEFT, width - FAN_RIGHT]);
    const names = [...new Set(hits.map((h) => h.host))].sort(
      (a, b) =>
        Math.min(...hits.filter((h) => h.host === a).map((h) => msOf(h.iso))) -
        Math.min(...hits.filter((h) => h.host === b).map((h) => msOf(h.iso))),
    );
    const hosts = names.map((name, i) => ({
      name,
      y: FAN_TOP + FAN_LANE * i + FAN_LANE / 2,
      points: hits.filter((h) => h.host === name).map((h) => ({ x: x(msOf(h.iso)), iso: h.iso, row: h.row })),
    }));
    groups.push({
      remoteIp,
      hosts,
      x,
      spanMs: hi - lo,
      count: hits.length,
      height: FAN_TOP + FAN_LANE * names.length + FAN_AXIS,
    });
  }
  return groups.sort(
    (a, b) => b.hosts.length - a.hosts.length || b.count - a.count || a.remoteIp.localeCompare(b.remoteIp),
  );
}
