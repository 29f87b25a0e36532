/**
 * The process tree, computed: d3-hierarchy (stratify + tree) over the worker's flat node list,
 * siblings in time order, laid out left to right. ProcessTree.tsx renders it.
 */
import { linkHorizontal, stratify, tree } from 'd3';
import type { TreeLinkKind, TreeNode } from '../engine/worker/client';

export const NODE_W = 210;
export const NODE_H = 46;
const COL = 290;
const ROW = 64;
const PAD = 16;

export interface PlacedNode {
  readonly x: number;
  readonly y: number;
  readonly node: TreeNode;
}

export interface PlacedLink {
  readonly path: string;
  readonly labelX: number;
  readonly labelY: number;
  readonly label: string;
  readonly title: string;
  readonly kind: TreeLinkKind;
  readonly target: string;
}

export interface TreeLayout {
  readonly nodes: readonly PlacedNode[];
  readonly links: readonly PlacedLink[];
  readonly width: number;
  readonly height: number;
}

/** Short edge labels; the full wording is the edge's hover. */
export const LINK_LABEL: Readonly<Record<TreeLinkKind, string>> = {
  root: '',
  'unique-id': 'unique id',
  'pid-creation-time': 'PID + device + ctime',
  'pid-time-order': 'PID + device (inferred)',
  'rule-join': 'rule join only ⚠',
  inferred: 'inferred',
};

export function layoutTree(nodes: readonly TreeNode[]): TreeLayout {
  if (nodes.length === 0) return { nodes: [], links: [], width: 0, height: 0 };
  const ids = new Set(nodes.map((n) => n.id));
  // A node whose parent is missing hangs off the root instead of breaking stratify.
  const rootId = nodes.find((n) => n.parentId === null)?.id ?? nodes[0]!.id;
  const safe = nodes.map((n) =>
    n.id !== rootId && (n.parentId === null || !ids.has(n.parentId)) ? { ...n, parentId: rootId } : n,
  );
  const root = stratify<TreeNode>()
    .id((d) => d.id)
    .parentId((d) => (d.id === rootId ? null : d.parentId))(safe);
  root.sort((a, b) => (a.data.ms ?? 0) - (b.data.ms ?? 0) || a.data.id.localeCompare(b.data.id));
  const laid = tree<TreeNode>().nodeSize([ROW, COL])(root);
  let minY = Infinity;
  let maxY = -Infinity;
  let maxX = 0;
  laid.each((d) => {
    minY = Math.min(minY, d.x);
    maxY = Math.max(maxY, d.x);
    maxX = Math.max(maxX, d.y);
  });
  // d3.tree's x is the breadth axis; drawn left to right, it becomes our y.
  const place = (d: { x: number; y: number }): { x: number; y: number } => ({
    x: d.y + PAD,
    y: d.x - minY + PAD + NODE_H / 2,
  });
  const link = linkHorizontal<{ source: [number, number]; target: [number, number] }, [number, number]>();
  const placed: PlacedNode[] = laid.descendants().map((d) => ({ ...place(d), node: d.data }));
  const links: PlacedLink[] = laid.links().map((l) => {
    const s = place(l.source);
    const t = place(l.target);
    const source: [number, number] = [s.x + NODE_W, s.y];
    const target: [number, number] = [t.x, t.y];
    return {
      path: link({ source, target }) ?? '',
      labelX: (source[0] + target[0]) / 2,
      labelY: (source[1] + target[1]) / 2 - 6,
      label: LINK_LABEL[l.target.data.link.kind],
      title: l.target.data.link.text,
      kind: l.target.data.link.kind,
      target: l.target.data.id,
    };
  });
  return { nodes: placed, links, width: maxX + NODE_W + PAD * 2, height: maxY - minY + NODE_H + PAD * 2 };
}
