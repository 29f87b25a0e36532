/**
 * A deep copy of a syntax tree without `span` / `nameSpan` fields, so that trees parsed from
 * differently formatted text compare equal (`parse(print(tree))` round trips).
 */
export function stripSpans<T>(node: T): T {
  return strip(node) as T;
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'span' || key === 'nameSpan') continue;
    out[key] = strip(value);
  }
  return out;
}
