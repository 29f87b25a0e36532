import { useEffect, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { ExplainView } from '../engine/worker/client';
import { KNOB_LIMITS } from '../engine/worker/client';
import { edgeValueAt, GAP_MARGIN, layoutGaps, type GapWindow } from './gap-histogram';

interface Props {
  readonly view: ExplainView;
  /** A draft window drawn instead of the view's own (while an edge is dragged or a knob edited). */
  readonly window?: GapWindow | null;
  /** Given: the edges are handles (pointer and keyboard); each move previews the draft. */
  readonly onDraft?: (w: GapWindow) => void;
  /** Pointer released or Enter pressed on a handle: apply the window. */
  readonly onCommit?: (w: GapWindow) => void;
  /** Escape on a handle: drop the draft. */
  readonly onCancel?: () => void;
}

const WIDTH = 560;
const HEIGHT = 180;
const HANDLE = 16;

type Edge = 'lo' | 'hi';

/** DCOM starts by datetime_diff to their RPC event (alerts and suppressed stacked), window edges drawn. */
export function GapHistogram({ view, window: draft, onDraft, onCommit, onCancel }: Props) {
  const w = draft ?? view.window;
  const l = useMemo(() => layoutGaps(view, WIDTH, HEIGHT, 8, w), [view, w]);
  const base = HEIGHT - GAP_MARGIN.bottom;
  const svg = useRef<SVGSVGElement>(null);
  const [dragging, setDragging] = useState<Edge | null>(null);
  // The latest window, for the pointer-up that applies it (props lag a render behind moves).
  const latest = useRef<GapWindow | null>(w);
  useEffect(() => {
    latest.current = w;
  }, [w]);
  const editable = onDraft !== undefined && w !== null;

  const move = (next: GapWindow): void => {
    if (next.lo === latest.current?.lo && next.hi === latest.current.hi) return;
    latest.current = next;
    onDraft?.(next);
  };
  const svgX = (clientX: number): number => {
    const rect = svg.current?.getBoundingClientRect();
    if (!rect || rect.width === 0) return clientX;
    return ((clientX - rect.left) * WIDTH) / rect.width;
  };
  const onPointerDown = (edge: Edge) => (e: PointerEvent<SVGGElement>) => {
    if (!editable) return;
    e.preventDefault();
    (e.currentTarget as Element).closest('g')?.focus?.();
    svg.current?.setPointerCapture?.(e.pointerId);
    setDragging(edge);
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>): void => {
    const cur = latest.current;
    if (!dragging || !cur) return;
    const px = svgX(e.clientX);
    move(
      dragging === 'lo'
        ? { lo: edgeValueAt(l, 'lo', px, cur.hi), hi: cur.hi }
        : { lo: cur.lo, hi: edgeValueAt(l, 'hi', px, cur.lo) },
    );
  };
  const onPointerUp = (e: PointerEvent<SVGSVGElement>): void => {
    if (!dragging) return;
    svg.current?.releasePointerCapture?.(e.pointerId);
    setDragging(null);
    if (latest.current) onCommit?.(latest.current);
  };
  const onKeyDown = (edge: Edge) => (e: KeyboardEvent<SVGGElement>) => {
    const cur = latest.current;
    if (!editable || !cur) return;
    const step = { ArrowLeft: -1, ArrowDown: -1, ArrowRight: 1, ArrowUp: 1, PageDown: -5, PageUp: 5 }[e.key];
    if (step !== undefined) {
      e.preventDefault();
      const L = KNOB_LIMITS.window;
      if (edge === 'lo') move({ lo: Math.max(-L, Math.min(cur.hi, cur.lo + step)), hi: cur.hi });
      else move({ lo: cur.lo, hi: Math.min(L, Math.max(cur.lo, cur.hi + step)) });
    } else if (e.key === 'Enter') {
      e.preventDefault();
      onCommit?.(cur);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      onCancel?.();
    }
  };

  const handle = (edge: Edge, x: number) => {
    const value = edge === 'lo' ? w!.lo : w!.hi;
    return (
      <g
        key={edge}
        className={`gap-handle${dragging === edge ? ' gap-handle-active' : ''}`}
        role="slider"
        tabIndex={0}
        aria-label={edge === 'lo' ? 'Window low edge (seconds)' : 'Window high edge (seconds)'}
        aria-valuemin={edge === 'lo' ? -KNOB_LIMITS.window : w!.lo}
        aria-valuemax={edge === 'lo' ? w!.hi : KNOB_LIMITS.window}
        aria-valuenow={value}
        aria-valuetext={`${value} s: between (${w!.lo} .. ${w!.hi})`}
        aria-keyshortcuts="ArrowLeft ArrowRight Enter Escape"
        data-edge={edge}
        onPointerDown={onPointerDown(edge)}
        onKeyDown={onKeyDown(edge)}
      >
        <rect
          className="gap-handle-hit"
          x={x - HANDLE / 2}
          y={GAP_MARGIN.top - 6}
          width={HANDLE}
          height={base - GAP_MARGIN.top + 6}
          fill="transparent"
        />
        <rect
          className="gap-handle-knob"
          x={x - 5}
          y={base - 26}
          width={10}
          height={22}
          rx={3}
          fill="#16a34a"
          stroke="#ffffff"
          strokeWidth={1.5}
        />
      </g>
    );
  };

  return (
    <figure className={`gap-histogram${editable ? ' gap-histogram-editable' : ''}`}>
      <svg
        ref={svg}
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        role="group"
        aria-label="RPC to DCOM gap histogram"
        fontSize={11}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
      >
        <rect width={WIDTH} height={HEIGHT} fill="#ffffff" />
        {l.edges && (
          <rect
            className="gap-window"
            x={l.edges.lo}
            y={GAP_MARGIN.top}
            width={l.edges.hi - l.edges.lo}
            height={base - GAP_MARGIN.top}
            fill={draft ? '#fef9c3' : '#dcfce7'}
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
        {l.edges && w && (
          <g className="gap-edges">
            {[l.edges.lo, l.edges.hi].map((x, i) => (
              <line
                key={i}
                x1={x}
                x2={x}
                y1={GAP_MARGIN.top - 4}
                y2={base}
                stroke="#16a34a"
                strokeWidth={2}
                strokeDasharray="4 3"
              />
            ))}
            <text
              x={(l.edges.lo + l.edges.hi) / 2}
              y={GAP_MARGIN.top - 3}
              textAnchor="middle"
              fill="#166534"
              className="gap-window-label"
            >
              {`between (${w.lo} .. ${w.hi})${draft ? ' (draft)' : ''}`}
            </text>
            {editable && [handle('lo', l.edges.lo), handle('hi', l.edges.hi)]}
          </g>
        )}
      </svg>
      <figcaption className="timeline-caption">
        <span>
          x: <code>datetime_diff(&quot;second&quot;, DCOM start, RPC)</code> of {l.total} DCOM starts with an RPC
          partner within ±60 s: <span className="legend-alert">■</span> alert, <span className="legend-supp">■</span>{' '}
          suppressed; the green band is the window the rule admits
          {editable && '. Drag an edge, or focus it and use the arrow keys; release or Enter applies, Escape discards'}.
        </span>
      </figcaption>
    </figure>
  );
}
