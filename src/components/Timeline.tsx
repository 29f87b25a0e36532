import { useId, useMemo, useRef } from 'react';
import type { HitDetail, SurroundingEvents } from '../engine/worker/client';
import { downloadSvg, stamp } from './download';
import { TIMELINE_WIDTH_OVERVIEW as TIMELINE_WIDTH } from './timeline-constants';
import { layoutTimeline, MARGIN, type LaneKey } from './timeline-layout';
import { TimelineOverview } from './TimelineOverview';
import { formatClock, formatInstant, zoneSuffix } from './zone';
import { useZone } from './zone-context';

interface Props {
  readonly detail: HitDetail;
  readonly around: SurroundingEvents | null;
  readonly domain: readonly [number, number];
  readonly extent: readonly [number, number];
  readonly onDomain: (domain: readonly [number, number] | null) => void;
}

const COLOURS: Readonly<Record<LaneKey, string>> = {
  rpc: '#b45309',
  dcom: '#1d4ed8',
  child: '#b91c1c',
  device: '#6b7280',
};

/** A lane's marker: a distinct shape per lane, so colour is never the only cue. */
function Marker({ lane, x, y }: { readonly lane: LaneKey; readonly x: number; readonly y: number }) {
  const fill = COLOURS[lane];
  switch (lane) {
    case 'rpc':
      return <path d={`M${x},${y - 8}L${x + 8},${y}L${x},${y + 8}L${x - 8},${y}Z`} fill={fill} />;
    case 'dcom':
      return <rect x={x - 7} y={y - 7} width={14} height={14} fill={fill} />;
    case 'child':
      return <circle cx={x} cy={y} r={7} fill={fill} />;
    case 'device':
      return <rect x={x - 1.5} y={y - 9} width={3} height={18} fill={fill} opacity={0.7} />;
  }
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** RPC → DCOM start → children on one time axis (d3 scale; React SVG), with an overview brush. */
export function Timeline({ detail, around, domain, extent, onDomain }: Props) {
  const zone = useZone();
  const svg = useRef<SVGSVGElement>(null);
  const clipId = `plot${useId().replace(/[^a-zA-Z0-9_-]/g, '')}`;
  const layout = useMemo(() => layoutTimeline(detail, around, domain, TIMELINE_WIDTH), [detail, around, domain]);
  const ticks = useMemo(() => layout.x.ticks(8).map((d) => ({ x: layout.x(d), ms: d.getTime() })), [layout]);
  const bottom = layout.height - MARGIN.bottom;
  const span = domain[1] - domain[0];
  const digits = span < 5_000 ? 3 : span < 60_000 ? 1 : 0;
  const lo = detail.window?.lo ?? 0;
  const hi = detail.window?.hi ?? 2;
  const suffix = zoneSuffix(domain[0], zone);
  const win = detail.window;
  // A suppressed candidate: the stage that stopped it; a missed window marks the RPC → DCOM gap.
  const failure = detail.failure ?? null;
  const missedWindow = failure !== null && /datetime_diff/.test(failure.predicate);
  return (
    <figure className="timeline">
      <svg
        ref={svg}
        className="timeline-svg"
        role="img"
        aria-label="Timeline"
        viewBox={`0 0 ${TIMELINE_WIDTH} ${layout.height}`}
        fontSize={12}
      >
        <rect width={TIMELINE_WIDTH} height={layout.height} fill="#ffffff" />
        <defs>
          <clipPath id={clipId}>
            <rect x={MARGIN.left - 10} y={0} width={TIMELINE_WIDTH - MARGIN.left - MARGIN.right + 20} height={bottom} />
          </clipPath>
        </defs>
        {layout.window && win && (
          <g className="timeline-window" clipPath={`url(#${clipId})`}>
            <rect
              x={layout.window.x1}
              y={MARGIN.top}
              width={layout.window.x2 - layout.window.x1}
              height={bottom - MARGIN.top}
              fill="#dcfce7"
              stroke="#16a34a"
              strokeDasharray="4 3"
            />
          </g>
        )}
        {layout.lanes.map((l) => (
          <g key={l.key} className="timeline-lane">
            <line x1={MARGIN.left} x2={TIMELINE_WIDTH - MARGIN.right} y1={l.y} y2={l.y} stroke="#d1d5db" />
            <text x={8} y={l.y + 4} fill="#111827" fontWeight={600}>
              {l.label}
            </text>
          </g>
        ))}
        <g clipPath={`url(#${clipId})`}>
          {layout.gaps.map((g, i) => {
            const missed = missedWindow && i === 0;
            return (
              <g key={i} className={missed ? 'timeline-gap gap-missed' : 'timeline-gap'}>
                <title>{`exact gap ${g.exact}${missed ? ' (outside the window)' : ''}`}</title>
                <line
                  x1={g.x1}
                  y1={g.y1}
                  x2={g.x2}
                  y2={g.y2}
                  stroke={missed ? '#dc2626' : '#374151'}
                  strokeWidth={missed ? 2.5 : 1}
                  strokeDasharray="3 3"
                />
                <text
                  x={(g.x1 + g.x2) / 2 + 6}
                  y={(g.y1 + g.y2) / 2 + 4}
                  fill={missed ? '#b91c1c' : '#111827'}
                  fontSize={11}
                  fontWeight={missed ? 700 : 400}
                  className="gap-label"
                >
                  {missed ? `✗ ${g.text} (outside the window)` : g.text}
                </text>
              </g>
            );
          })}
          {layout.points.map((p, i) => (
            <g key={i} className={`timeline-point lane-${p.lane}`} data-lane={p.lane}>
              <title>{`${p.event.label}\n${formatInstant(p.event.iso, zone)}\n${p.event.detail}`}</title>
              <Marker lane={p.lane} x={p.x} y={p.y} />
              {p.lane !== 'device' && (
                <text
                  x={p.x > TIMELINE_WIDTH - 260 ? p.x - 11 : p.x + 11}
                  y={p.stagger === 0 ? p.y - 10 : p.y + 20}
                  textAnchor={p.x > TIMELINE_WIDTH - 260 ? 'end' : 'start'}
                  fill="#111827"
                  className="point-label"
                >
                  {clip(p.event.label, 34)}
                </text>
              )}
            </g>
          ))}
        </g>
        <g className="timeline-axis">
          <line x1={MARGIN.left} x2={TIMELINE_WIDTH - MARGIN.right} y1={bottom} y2={bottom} stroke="#6b7280" />
          {ticks.map((t) => (
            <g key={t.ms}>
              <line x1={t.x} x2={t.x} y1={bottom} y2={bottom + 5} stroke="#6b7280" />
              <text x={t.x} y={bottom + 18} textAnchor="middle" fill="#374151" fontSize={11}>
                {formatClock(t.ms, zone, digits)}
              </text>
            </g>
          ))}
          <text x={8} y={bottom + 18} fill="#374151" fontSize={11}>
            {suffix}
          </text>
        </g>
        {win && (
          <text x={8} y={16} fill="#166534" fontSize={11} className="window-label">
            {`window: datetime_diff ${lo}..${hi} s ⇒ [${formatClock(win.fromMs, zone, 0)}, ${formatClock(win.toMs, zone, 0)}) ${suffix}${layout.window ? '' : ' (out of view)'}`}
          </text>
        )}
        {failure && (
          <text
            x={TIMELINE_WIDTH - MARGIN.right}
            y={16}
            textAnchor="end"
            fill="#b91c1c"
            fontSize={11}
            fontWeight={700}
            className="failure-label"
          >
            {clip(`✗ ${failure.kind === 'no-partner' ? 'no partner' : failure.predicate}`, 70)}
          </text>
        )}
      </svg>
      <TimelineOverview detail={detail} around={around} extent={extent} domain={domain} onDomain={onDomain} />
      <figcaption className="timeline-caption">
        <span>
          Drag on the overview to zoom; the green band is the accepted DCOM start interval [floor(net, 1 s)
          {lo < 0 ? ` − ${-lo}` : lo > 0 ? ` + ${lo}` : ''} s, floor + {hi + 1} s), which is what{' '}
          <code>
            datetime_diff(&quot;second&quot;, …) between ({lo} .. {hi})
          </code>{' '}
          admits.
        </span>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => downloadSvg(`dcom-timeline-${stamp()}.svg`, svg.current)}
        >
          Timeline SVG
        </button>
      </figcaption>
    </figure>
  );
}
