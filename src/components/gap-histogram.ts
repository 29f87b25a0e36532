/**
 * RPC → DCOM gaps (datetime_diff seconds of each DCOM start's path) binned per second with d3, and
 * the scales to draw them with the rule's window edges. GapHistogram.tsx renders.
 */
import { bin, max, scaleBand, scaleLinear, type ScaleBand, type ScaleLinear } from 'd3';
import type { ExplainView } from '../engine/worker/client';
import { perView } from './explain-index';

export interface GapBin {
  readonly gap: number;
  /** Edge bins gather everything beyond the range. */
  readonly label: string;
  readonly alerts: number;
  readonly suppressed: number;
}

export interface GapLayout {
  readonly bins: readonly GapBin[];
  readonly x: ScaleBand<number>;
  readonly y: ScaleLinear<number, number>;
  /** x of the window's edges (between the bins), or null without a window. */
  readonly edges: { readonly lo: number; readonly hi: number } | null;
  readonly total: number;
  /** The gap range drawn (edge bins gather what lies beyond). */
  readonly lo: number;
  readonly hi: number;
}

/** The DCOM starts with a measured gap, counted per distinct gap (once per view: a drag re-bins only these). */
interface GapPoint {
  readonly gap: number;
  readonly alerts: number;
  readonly suppressed: number;
}

const gapCounts = perView((view) => {
  const by = new Map<number, { gap: number; alerts: number; suppressed: number }>();
  let total = 0;
  for (const c of view.candidates) {
    if (c.spine !== 'dcomProcEvents' || c.gap === null) continue;
    let p = by.get(c.gap);
    if (!p) by.set(c.gap, (p = { gap: c.gap, alerts: 0, suppressed: 0 }));
    if (c.state === 'alert') p.alerts++;
    else p.suppressed++;
    total++;
  }
  return { points: [...by.values()] as readonly GapPoint[], total };
});

export const GAP_MARGIN = { left: 36, right: 12, top: 16, bottom: 22 };

export interface GapWindow {
  readonly lo: number;
  readonly hi: number;
}

/**
 * `window` overrides the view's own (a draft being dragged); the x range covers both, so the
 * bins stay put while an edge moves inside it.
 */
export function layoutGaps(
  view: ExplainView,
  width: number,
  height: number,
  span = 8,
  window: GapWindow | null = view.window,
): GapLayout {
  const { points: gaps, total } = gapCounts(view);
  const lo = Math.min(-1, (view.window?.lo ?? 0) - 3, (window?.lo ?? 0) - 1);
  const hi = Math.max(span, (view.window?.hi ?? 2) + 4, (window?.hi ?? 2) + 1);
  const clamp = (g: number): number => Math.max(lo, Math.min(hi, g));
  const binner = bin<GapPoint, number>()
    .value((p) => clamp(p.gap))
    .domain([lo, hi + 1])
    .thresholds(Array.from({ length: hi - lo }, (_, i) => lo + i + 1));
  const bins: GapBin[] = binner(gaps).map((b) => {
    const gap = b.x0 ?? lo;
    return {
      gap,
      label: gap === lo ? `≤${gap}` : gap === hi ? `≥${gap}` : String(gap),
      alerts: b.reduce((n, p) => n + p.alerts, 0),
      suppressed: b.reduce((n, p) => n + p.suppressed, 0),
    };
  });
  const x = scaleBand<number>()
    .domain(bins.map((b) => b.gap))
    .range([GAP_MARGIN.left, width - GAP_MARGIN.right])
    .padding(0.15);
  const y = scaleLinear()
    .domain([0, Math.max(1, max(bins, (b) => b.alerts + b.suppressed) ?? 1)])
    .nice()
    .range([height - GAP_MARGIN.bottom, GAP_MARGIN.top]);
  const step = x.step();
  const edgeX = (g: number, side: -1 | 1): number =>
    (x(clamp(g)) ?? GAP_MARGIN.left) +
    (side < 0 ? -(step * x.paddingInner()) / 2 : x.bandwidth() + (step * x.paddingInner()) / 2);
  const edges = window ? { lo: edgeX(window.lo, -1), hi: edgeX(window.hi, 1) } : null;
  return { bins, x, y, edges, total, lo, hi };
}

/**
 * The window bound an edge dragged to `px` (SVG x) stands for: the low edge sits before a bin, the
 * high edge after one; the nearest such boundary wins, and the edges never cross.
 */
export function edgeValueAt(l: GapLayout, which: 'lo' | 'hi', px: number, other: number): number {
  let best = which === 'lo' ? l.lo : l.hi;
  let dist = Number.POSITIVE_INFINITY;
  const half = (l.x.step() * l.x.paddingInner()) / 2;
  for (let g = l.lo; g <= l.hi; g++) {
    const x0 = l.x(g);
    if (x0 === undefined) continue;
    const edge = which === 'lo' ? x0 - half : x0 + l.x.bandwidth() + half;
    const d = Math.abs(edge - px);
    if (d < dist) {
      dist = d;
      best = g;
    }
  }
  return which === 'lo' ? Math.min(best, other) : Math.max(best, other);
}
