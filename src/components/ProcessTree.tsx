import { useMemo, useRef, useState } from 'react';
import type { TreeNode } from '../engine/worker/client';
import { downloadSvg, stamp } from './download';
import { NodeFields } from './NodeFields';
import { layoutTree, NODE_H, NODE_W } from './tree-layout';
import { formatInstant } from './zone';
import { useZone } from './zone-context';

interface Props {
  readonly nodes: readonly TreeNode[];
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

const ROLE_FILL: Readonly<Record<TreeNode['role'], string>> = {
  dcomlaunch: '#f3f4f6',
  server: '#dbeafe',
  child: '#fee2e2',
  descendant: '#fef3c7',
};

/** svchost DcomLaunch → DCOM server → children → grandchildren (d3-hierarchy layout, React SVG). */
export function ProcessTree({ nodes }: Props) {
  const zone = useZone();
  const svg = useRef<SVGSVGElement>(null);
  const layout = useMemo(() => layoutTree(nodes), [nodes]);
  const [selected, setSelected] = useState<string | null>(null);
  const chosen = nodes.find((n) => n.id === selected) ?? null;
  if (nodes.length === 0) return <p className="empty-note">No process rows for this alert.</p>;
  return (
    <div className="tree-wrap">
      <div className="tree-scroll">
        <svg
          ref={svg}
          className="tree-svg"
          role="group"
          aria-label="Process tree"
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          fontSize={12}
        >
          <rect width={layout.width} height={layout.height} fill="#ffffff" />
          {layout.links.map((l) => (
            <g key={l.target} className={`tree-link link-${l.kind}`} data-link={l.kind}>
              <title>{l.title}</title>
              <path
                d={l.path}
                fill="none"
                stroke={l.kind === 'rule-join' ? '#b91c1c' : '#6b7280'}
                strokeWidth={1.5}
                strokeDasharray={l.kind === 'unique-id' || l.kind === 'pid-creation-time' ? undefined : '5 4'}
              />
              <text x={l.labelX} y={l.labelY} textAnchor="middle" fill="#374151" fontSize={10} className="link-label">
                {l.label}
              </text>
            </g>
          ))}
          {layout.nodes.map(({ x, y, node }) => (
            <g
              key={node.id}
              className={`tree-node${node.inAlert ? ' in-alert' : ''}${selected === node.id ? ' selected' : ''}`}
              data-node={node.fileName}
              role="button"
              tabIndex={0}
              aria-label={`${node.fileName} PID ${node.pid ?? 'unknown'}${node.inAlert ? ' (in the alert)' : ''}${node.pidReuse.length ? ' (PID reused)' : ''}`}
              aria-pressed={selected === node.id}
              onClick={() => setSelected(node.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  setSelected(node.id);
                }
              }}
            >
              <title>{`${node.fileName} (PID ${node.pid ?? '?'})\n${node.iso ? formatInstant(node.iso, zone) : 'start time unknown'}\n${node.commandLine}`}</title>
              <rect
                x={x}
                y={y - NODE_H / 2}
                width={NODE_W}
                height={NODE_H}
                rx={6}
                fill={ROLE_FILL[node.role]}
                stroke={node.inAlert ? '#1d4ed8' : '#9ca3af'}
                strokeWidth={node.inAlert ? 2.5 : 1}
                strokeDasharray={node.record ? undefined : '4 3'}
              />
              {node.inAlert && <rect x={x} y={y - NODE_H / 2} width={5} height={NODE_H} fill="#1d4ed8" />}
              <text x={x + 12} y={y - 5} fontWeight={600} fill="#111827">
                {clip(node.fileName || '(unnamed)', 20)}
                <tspan fontWeight={400} fill="#4b5563">{` PID ${node.pid ?? '?'}`}</tspan>
              </text>
              <text x={x + 12} y={y + 12} fill="#4b5563" fontSize={10}>
                {node.iso ? formatInstant(node.iso, zone, 3).slice(11) : 'inferred'}
              </text>
              {node.pidReuse.length > 0 && (
                <g className="pid-reuse">
                  <title>{`PID ${node.pid} also started at: ${node.pidReuse.map((t) => formatInstant(t, zone)).join(', ')}`}</title>
                  <rect
                    x={x + NODE_W - 62}
                    y={y - NODE_H / 2 - 8}
                    width={60}
                    height={16}
                    rx={8}
                    fill="#fde68a"
                    stroke="#b45309"
                  />
                  <text x={x + NODE_W - 32} y={y - NODE_H / 2 + 4} textAnchor="middle" fontSize={10} fill="#78350f">
                    PID reuse
                  </text>
                </g>
              )}
            </g>
          ))}
        </svg>
      </div>
      <div className="tree-side">
        <p className="tree-legend">
          <span className="legend-alert">blue outline</span> = rows of this alert · solid edge = linked by unique id or
          creation time · dashed = inferred · <span className="legend-warn">red</span> = joined by the rule only · click
          a node for every field.
        </p>
        <button
          type="button"
          className="button button-small button-quiet"
          onClick={() => downloadSvg(`dcom-tree-${stamp()}.svg`, svg.current)}
        >
          Tree SVG
        </button>
        {chosen && <NodeFields node={chosen} onClose={() => setSelected(null)} />}
      </div>
    </div>
  );
}
