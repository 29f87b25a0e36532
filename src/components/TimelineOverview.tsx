import { brushX, scaleUtc, select, type D3BrushEvent } from 'd3';
import { useEffect, useMemo, useRef } from 'react';
import type { HitDetail, SurroundingEvents, TimedEvent } from '../engine/worker/client';
import { TIMELINE_WIDTH_OVERVIEW as W } from './timeline-constants';

interface Props {
  readonly detail: HitDetail;
  readonly around: SurroundingEvents | null;
  readonly extent: readonly [number, number];
  readonly domain: readonly [number, number];
  readonly onDomain: (domain: readonly [number, number] | null) => void;
}

const H = 44;
const LEFT = 168;
const RIGHT = 24;

/** The whole extent in a strip, with a d3 brush choosing the detail view above it. */
export function TimelineOverview({ detail, around, extent, domain, onDomain }: Props) {
  const g = useRef<SVGGElement>(null);
  const x = useMemo(
    () =>
      scaleUtc()
        .domain([extent[0], extent[1]])
        .range([LEFT, W - RIGHT]),
    [extent],
  );
  const marks = useMemo(() => {
    const row = (events: readonly (TimedEvent | null)[], y: number, fill: string) =>
      events.filter((e): e is TimedEvent => e !== null).map((e) => ({ x: x(e.ms), y, fill }));
    return [
      ...row(around?.events ?? [], 34, '#9ca3af'),
      ...row([detail.rpc], 10, '#b45309'),
      ...row(detail.dcom, 19, '#1d4ed8'),
      ...row(detail.children, 28, '#b91c1c'),
    ];
  }, [detail, around, x]);
  const brush = useMemo(
    () =>
      brushX<unknown>()
        .extent([
          [LEFT, 2],
          [W - RIGHT, H - 2],
        ])
        .on('end', (event: D3BrushEvent<unknown>) => {
          // Programmatic moves (syncing to `domain`) have no sourceEvent: only the user's count.
          if (!event.sourceEvent) return;
          const s = event.selection as [number, number] | null;
          if (!s || s[1] - s[0] < 2) onDomain(null);
          else onDomain([x.invert(s[0]).getTime(), x.invert(s[1]).getTime()]);
        }),
    [x, onDomain],
  );
  useEffect(() => {
    if (!g.current) return;
    const sel = select(g.current);
    sel.call(brush);
    return () => {
      sel.on('.brush', null);
    };
  }, [brush]);
  useEffect(() => {
    if (!g.current) return;
    const full = domain[0] <= extent[0] && domain[1] >= extent[1];
    select(g.current).call(brush.move, full ? null : [x(domain[0]), x(domain[1])]);
  }, [brush, domain, extent, x]);
  return (
    <svg
      className="timeline-overview"
      viewBox={`0 0 ${W} ${H}`}
      role="group"
      aria-label="Timeline overview: drag to zoom"
    >
      <rect x={LEFT} y={2} width={W - LEFT - RIGHT} height={H - 4} fill="#f3f4f6" stroke="#d1d5db" />
      <text x={8} y={26} fontSize={11} fill="#374151">
        Overview
      </text>
      {marks.map((m, i) => (
        <rect key={i} x={m.x - 1} y={m.y - 4} width={2} height={8} fill={m.fill} />
      ))}
      <g ref={g} className="brush" />
    </svg>
  );
}
