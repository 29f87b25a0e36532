import { ruleReadiness } from '../rule/readiness';
import { getValue } from '../table/column';
import type { Table } from '../table/table';
import type { ReadinessView } from './protocol';

/** The DeviceIds a table holds (each distinct value once; dictionary columns read by code). */
function deviceIds(t: Table): Set<string> {
  const i = t.schema.findIndex((c) => c.name === 'DeviceId');
  const out = new Set<string>();
  if (i < 0) return out;
  const c = t.columns[i]!;
  if (c.type === 'string') {
    const seen = new Uint8Array(c.dict.length);
    for (let r = 0; r < t.rowCount; r++) seen[c.codes[r]!] = 1;
    c.dict.forEach((v, k) => seen[k] === 1 && out.add(v));
    return out;
  }
  for (let r = 0; r < t.rowCount; r++) out.add(String(getValue(c, r) ?? ''));
  return out;
}

/**
 * Which rule stages can run with everything loaded (`ruleReadiness` over the combined tables),
 * each finding tied to the loaded files it concerns: a missing table concerns every file, a
 * table-wide count the files of that table, a device's finding the files holding that device.
 * `files` maps the engine's file keys (the file name, or `name (Table)` / `archive/entry` for a
 * file holding several tables) to their tables.
 */
export function readinessView(combined: ReadonlyMap<string, Table>, files: ReadonlyMap<string, Table>): ReadinessView {
  const devices = new Map<string, Set<string>>();
  const ids = (key: string, t: Table): Set<string> => {
    let s = devices.get(key);
    if (!s) devices.set(key, (s = deviceIds(t)));
    return s;
  };
  const notes = ruleReadiness(combined).notes.map((n) => ({
    text: n.text,
    level: n.level,
    files: [...files]
      .filter(([key, t]) => {
        if (n.table === null) return true;
        if (n.deviceId === null) return t.name === n.table;
        return ids(key, t).has(n.deviceId);
      })
      .map(([key]) => key),
  }));
  return { notes };
}
