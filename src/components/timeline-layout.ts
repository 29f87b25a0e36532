/**
 * The hit timeline, computed: lanes, an x scale (d3), points, gap labels and the window band.
 * d3 computes here; Timeline.tsx renders the result as SVG.
 */
import { scaleUtc, type ScaleTime } from 'd3';
import type { HitDetail, SurroundingEvents, TimedEvent } from '../engine/worker/client';
import { gapText } from './zone';

export type LaneKey = 'rpc' | 'dcom' | 'child' | 'device';

export interface Lane {
  readonly key: LaneKey;
  readonly label: string;
  readonly y: number;
}

export interface TimelinePoint {
  readonly lane: LaneKey;
  readonly x: number;
  readonly y: number;
  /** Label above (even) or below (odd) the marker: neighbours in a lane alternate so labels do not collide. */
  readonly stagger: number;
  readonly event: TimedEvent;
}

export interface GapLabel {
  readonly x1: number;
  readonly x2: number;
  readonly y1: number;
  readonly y2: number;
  readonly text: string;
  /** The exact gap, 7 digits, for the hover. */
  readonly exact: string;
}

export interface TimelineLayout {
  readonly x: ScaleTime<number, number>;
  readonly lanes: readonly Lane[];
  readonly points: readonly TimelinePoint[];
  readonly gaps: readonly GapLabel[];
  readonly window: { readonly x1: number; readonly x2: number; readonly clipped: boolean } | null;
  readonly height: number;
}

export const MARGIN = { left: 168, right: 24, top: 26, bottom: 34 };
export const LANE_HEIGHT = 64;

/** Everything the timeline may show, [min, max] in epoch ms. */
export function fullExtent(detail: HitDetail, around: SurroundingEvents | null): [number, number] {
  const ms = [detail.rpc, ...detail.dcom, ...detail.children, ...(around?.events ?? [])]
    .filter((e): e is TimedEvent => e !== null)
    .map((e) => e.ms);
  if (detail.window) ms.push(detail.window.fromMs, detail.window.toMs);
  if (ms.length === 0) return [0, 1000];
  return pad([Math.min(...ms), Math.max(...ms)]);
}

/** The default detail view: the chain itself (RPC, window, DCOM start, children within a minute). */
export function focusExtent(detail: HitDetail): [number, number] {
  const start = detail.dcom[0]?.ms ?? detail.rpc?.ms ?? 0;
  const ms = [detail.rpc, ...detail.dcom, ...detail.children.filter((c) => c.ms - start <= 60_000)]
    .filter((e): e is TimedEvent => e !== null)
    .map((e) => e.ms);
  if (detail.window) ms.push(detail.window.fromMs, detail.window.toMs);
  if (ms.length === 0) return [0, 1000];
  return pad([Math.min(...ms), Math.max(...ms)]);
}

function pad([a, b]: [number, number]): [number, number] {
  const span = Math.max(b - a, 500);
  return [a - span * 0.06, b + span * 0.06];
}

export function layoutTimeline(
  detail: HitDetail,
  around: SurroundingEvents | null,
  domain: readonly [number, number],
  width: number,
): TimelineLayout {
  const keys: { key: LaneKey; label: string }[] = [
    { key: 'rpc', label: 'Inbound RPC (135)' },
    { key: 'dcom', label: 'DCOM server start' },
    { key: 'child', label: 'Child process(es)' },
    ...(around ? [{ key: 'device' as const, label: `Device ±${around.seconds} s` }] : []),
  ];
  const lanes: Lane[] = keys.map((l, i) => ({ ...l, y: MARGIN.top + LANE_HEIGHT * i + LANE_HEIGHT / 2 }));
  const laneY = (k: LaneKey): number => lanes.find((l) => l.key === k)?.y ?? 0;
  const x = scaleUtc()
    .domain([domain[0], domain[1]])
    .range([MARGIN.left, width - MARGIN.right]);
  const inView = (e: TimedEvent): boolean => e.ms >= domain[0] && e.ms <= domain[1];
  const points: TimelinePoint[] = [];
  const add = (lane: LaneKey, events: readonly (TimedEvent | null)[]): void => {
    let n = 0;
    for (const e of events)
      if (e && inView(e)) points.push({ lane, x: x(e.ms), y: laneY(lane), stagger: n++ % 2, event: e });
  };
  add('rpc', [detail.rpc]);
  add('dcom', detail.dcom);
  add('child', detail.children);
  if (around) add('device', around.events);

  // Gap brackets stay drawn when an end is scrolled out of view: pinned to the edge.
  const xc = x.copy().clamp(true);
  const gaps: GapLabel[] = [];
  const server = detail.dcom[0];
  if (detail.rpc && server) {
    const diff = detail.diffSeconds === null ? '' : ` · datetime_diff = ${detail.diffSeconds} s`;
    gaps.push({
      x1: xc(detail.rpc.ms),
      x2: xc(server.ms),
      y1: laneY('rpc'),
      y2: laneY('dcom'),
      text: `${gapText(detail.rpc.iso, server.iso, 2)}${diff}`,
      exact: gapText(detail.rpc.iso, server.iso),
    });
  }
  if (server) {
    for (const c of detail.children) {
      gaps.push({
        x1: xc(server.ms),
        x2: xc(c.ms),
        y1: laneY('dcom'),
        y2: laneY('child'),
        text: gapText(server.iso, c.iso, 2),
        exact: gapText(server.iso, c.iso),
      });
    }
  }
  let window: TimelineLayout['window'] = null;
  if (detail.window) {
    const lo = Math.max(detail.window.fromMs, domain[0]);
    const hi = Math.min(detail.window.toMs, domain[1]);
    if (lo < hi) window = { x1: x(lo), x2: x(hi), clipped: lo !== detail.window.fromMs || hi !== detail.window.toMs };
  }
  return { x, lanes, points, gaps, window, height: MARGIN.top + LANE_HEIGHT * lanes.length + MARGIN.bottom };
}
