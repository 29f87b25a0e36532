import { useMemo } from 'react';
import type { ExplainView } from '../engine/worker/client';
import { GAP_MARGIN, layoutGaps } from './gap-histogram';

interface Props {
  readonly view: ExplainView;
}

const WIDTH = 560;
const HEIGHT = 180;

/** DCOM starts by datetime_diff to their RPC event (alerts and suppressed stacked), window edges drawn. */
export function GapHistogram({ view }: Props) {
  const l = useMemo(() => layoutGaps(view, WIDTH, HEIGHT), [view]);
  const base = HEIGHT - GAP_MARGIN.bottom;
  return (
    <figure className="gap-histogram">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="RPC to DCOM gap histogram" fontSize={11}>
        <rect width={WIDTH} height={HEIGHT} fill="#ffffff" />
        {l.edges && (
          <rect
            className="gap-window"
            x={l.edges.lo}
            y={GAP_MARGIN.top}
            width={l.edges.hi - l.edges.lo}
            height={base - GAP_MARGIN.top}
            fill="#dcfce7"
          />
        )}
        {l.y.ticks(4).map((t) => (
          <g key={t}>
            <line x1={GAP_MARGIN.left} x2={WIDTH - GAP_MARGIN.right} y1={l.y(t)} y2={l.y(t)} stroke="#e5e7eb" />
            <text x={GAP_MARGIN.left - 6} y={l.y(t) + 4} textAnchor="end" fill="#374151">
              {t}
            </text>
          </g>
        ))}
        {l.bins.map((b) => {
          const x = l.x(b.gap) ?? 0;
          const ya = l.y(b.alerts);
          const ys = l.y(b.alerts + b.suppressed);
          return (
            <g key={b.gap} className="gap-bin" data-gap={b.gap}>
              <title>{`datetime_diff ${b.label} s: ${b.alerts} alert, ${b.suppressed} suppressed`}</title>
              <rect x={x} y={ya} width={l.x.bandwidth()} height={base - ya} fill="#1d4ed8" />
              <rect x={x} y={ys} width={l.x.bandwidth()} height={ya - ys} fill="#9ca3af" />
              <text x={x + l.x.bandwidth() / 2} y={base + 14} textAnchor="middle" fill="#374151">
                {b.label}
              </text>
            </g>
          );
        })}
        {l.edges && view.window && (
          <g className="gap-edges">
            <line
              x1={l.edges.lo}
              x2={l.edges.lo}
              y1={GAP_MARGIN.top - 4}
              y2={base}
              stroke="#16a34a"
              strokeWidth={2}
              strokeDasharray="4 3"
            />
            <line
              x1={l.edges.hi}
              x2={l.edges.hi}
              y1={GAP_MARGIN.top - 4}
              y2={base}
              stroke="#16a34a"
              strokeWidth={2}
              strokeDasharray="4 3"
            />
            <text
              x={(l.edges.lo + l.edges.hi) / 2}
              y={GAP_MARGIN.top - 3}
              textAnchor="middle"
              fill="#166534"
              className="gap-window-label"
            >
              {`between (${view.window.lo} .. ${view.window.hi})`}
            </text>
          </g>
        )}
      </svg>
      <figcaption className="timeline-caption">
        <span>
          x: <code>datetime_diff(&quot;second&quot;, DCOM start, RPC)</code> of {l.total} DCOM starts with an RPC
          partner within ±60 s: <span className="legend-alert">■</span> alert, <span className="legend-supp">■</span>{' '}
          suppressed; the green band is the window the rule admits.
        </span>
      </figcaption>
    </figure>
  );
}
