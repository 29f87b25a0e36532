/**
 * Kusto.Language's MakeColumnNamesUnique (kql-semantics §9): every distinct name is reserved
 * first; each later duplicate becomes `name + k` with the smallest k ≥ 1 (continuing from the last
 * suffix used for that base) that is not taken. `[c, c, c1]` → `[c, c2, c1]`.
 */
export function makeNamesUnique(names: readonly string[]): string[] {
  const taken = new Set(names);
  const seen = new Set<string>();
  const lastSuffix = new Map<string, number>();
  return names.map((name) => {
    if (!seen.has(name)) {
      seen.add(name);
      return name;
    }
    let k = (lastSuffix.get(name) ?? 0) + 1;
    while (taken.has(`${name}${k}`)) k++;
    lastSuffix.set(name, k);
    const renamed = `${name}${k}`;
    taken.add(renamed);
    seen.add(renamed);
    return renamed;
  });
}
