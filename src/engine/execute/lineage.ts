/**
 * Provenance: which input rows of which base tables produced each output row. It is built lazily
 * from the operators' own index arrays (a filter's selection, a join's row pairs, a summarize's
 * groups), so it costs next to nothing unless a view asks for it.
 */

/** One base-table reference in the plan (a Scan node). */
export interface LineageSource {
  readonly scanId: number;
  readonly table: string;
}

export type Lineage =
  | { readonly kind: 'base'; readonly source: LineageSource; readonly rowCount: number }
  | { readonly kind: 'select'; readonly rows: Int32Array; readonly input: Lineage }
  | { readonly kind: 'pair'; readonly left: Lineage; readonly right: Lineage }
  | { readonly kind: 'groups'; readonly offsets: Int32Array; readonly members: Int32Array; readonly input: Lineage }
  | { readonly kind: 'concat'; readonly parts: readonly Lineage[]; readonly counts: readonly number[] }
  | { readonly kind: 'none' };

/** Row i of the result is row rows[i] of `input` (-1: no row, e.g. the empty side of an outer join). */
export function selectLineage(input: Lineage, rows: Int32Array): Lineage {
  if (input.kind === 'none') return input;
  if (input.kind === 'select') {
    // Compose selections so chains of filters stay one level deep.
    const inner = input.rows;
    const out = new Int32Array(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = rows[i]! < 0 ? -1 : inner[rows[i]!]!;
    return { kind: 'select', rows: out, input: input.input };
  }
  return { kind: 'select', rows, input };
}

/** The base-table rows behind one output row, per source (sorted, distinct). */
export function traceRow(lineage: Lineage, row: number): Map<LineageSource, number[]> {
  const out = new Map<LineageSource, Set<number>>();
  const visit = (l: Lineage, r: number): void => {
    if (r < 0) return;
    switch (l.kind) {
      case 'base': {
        let s = out.get(l.source);
        if (!s) out.set(l.source, (s = new Set()));
        s.add(r);
        return;
      }
      case 'select':
        visit(l.input, l.rows[r]!);
        return;
      case 'pair':
        visit(l.left, r);
        visit(l.right, r);
        return;
      case 'groups':
        for (let k = l.offsets[r]!; k < l.offsets[r + 1]!; k++) visit(l.input, l.members[k]!);
        return;
      case 'concat': {
        let at = r;
        for (let p = 0; p < l.parts.length; p++) {
          if (at < l.counts[p]!) {
            visit(l.parts[p]!, at);
            return;
          }
          at -= l.counts[p]!;
        }
        return;
      }
      case 'none':
        return;
    }
  };
  visit(lineage, row);
  const result = new Map<LineageSource, number[]>();
  for (const [k, v] of out)
    result.set(
      k,
      [...v].sort((a, b) => a - b),
    );
  return result;
}
