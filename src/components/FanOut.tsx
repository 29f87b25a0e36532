import { useMemo } from 'react';
import type { Cell, ResultColumn } from '../engine/worker/client';
import { FAN_AXIS, FAN_LEFT, FAN_RIGHT, layoutFanOut } from './fanout-layout';
import { formatClock, formatInstant, zoneSuffix } from './zone';
import { useZone } from './zone-context';

interface Props {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly Cell[])[];
  readonly onOpen: (row: number) => void;
}

const W = 960;

function spanText(ms: number): string {
  return ms < 1000
    ? `${Math.round(ms)} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${(ms / 60_000).toFixed(1)} min`;
}

/** Alerts grouped by source IP: a lane per target host on one time axis per source. */
export function FanOut({ columns, rows, onOpen }: Props) {
  const zone = useZone();
  const groups = useMemo(() => layoutFanOut(columns, rows, W), [columns, rows]);
  return (
    <div className="fanout" aria-label="Fan-out by remote IP" role="region">
      {groups.map((g) => {
        const bottom = g.height - FAN_AXIS;
        const ticks = g.x.ticks(6);
        const digits = g.spanMs < 10_000 ? 1 : 0;
        return (
          <figure key={g.remoteIp} className="fanout-group">
            <figcaption>
              <strong className="mono">{g.remoteIp}</strong>{' '}
              {g.hosts.length > 1
                ? `reached ${g.hosts.length} hosts in ${spanText(g.spanMs)} (${g.count} alerts)`
                : `${g.count} alert${g.count === 1 ? '' : 's'} on one host`}
            </figcaption>
            <svg viewBox={`0 0 ${W} ${g.height}`} role="img" aria-label={`Fan-out from ${g.remoteIp}`} fontSize={11}>
              {g.hosts.map((h) => (
                <g key={h.name}>
                  <line x1={FAN_LEFT} x2={W - FAN_RIGHT} y1={h.y} y2={h.y} stroke="#e5e7eb" />
                  <text x={6} y={h.y + 4} fill="#111827">
                    {h.name}
                  </text>
                  {h.points.map((p) => (
                    <g
                      key={p.row}
                      className="fanout-point"
                      role="button"
                      tabIndex={0}
                      aria-label={`Open alert on ${h.name}`}
                      onClick={() => onOpen(p.row)}
                      onKeyDown={(e) => e.key === 'Enter' && onOpen(p.row)}
                    >
                      <title>{`${h.name}\n${formatInstant(p.iso, zone)}`}</title>
                      <path
                        d={`M${p.x},${h.y - 7}L${p.x + 7},${h.y}L${p.x},${h.y + 7}L${p.x - 7},${h.y}Z`}
                        fill="#b45309"
                      />
                    </g>
                  ))}
                </g>
              ))}
              <line x1={FAN_LEFT} x2={W - FAN_RIGHT} y1={bottom} y2={bottom} stroke="#6b7280" />
              {ticks.map((t) => (
                <text key={t.getTime()} x={g.x(t)} y={bottom + 16} textAnchor="middle" fill="#374151">
                  {formatClock(t.getTime(), zone, digits)}
                </text>
              ))}
              <text x={6} y={bottom + 16} fill="#374151">
                {zoneSuffix(t0(g.x), zone)}
              </text>
            </svg>
          </figure>
        );
      })}
    </div>
  );
}

const t0 = (x: { domain: () => Date[] }): number => x.domain()[0]?.getTime() ?? 0;
