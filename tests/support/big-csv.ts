/**
 * Large CSVs for the parallel-parsing tests (csv-split.ts through the CLI's worker threads and the
 * browser's part workers): a sample export repeated, with two traps for the split. In the middle
 * of the file, where every even split cuts, a row whose last field is a quoted text of 200,000
 * lines; at the end a row with too few fields (a reject whose line number must come out exact).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '../..');

/** Writes `dir/<copies>-<file>` from public/samples/<file>; `copies` is even. Returns its path. */
export function bigSampleCsv(dir: string, file: string, copies: number, traps = true): string {
  const text = readFileSync(join(ROOT, 'public/samples', file), 'utf8');
  const nl = text.indexOf('\n');
  const header = text.slice(0, nl + 1);
  const body = text.slice(nl + 1);
  const fields = header.split(',').length;
  const longRow =
    '2024-05-01T08:00:00Z' +
    ','.repeat(fields - 1) +
    '"' +
    Array.from({ length: 200_000 }, (_, i) => `l${i}`).join('\n') +
    '"\n';
  const half = Array.from({ length: copies / 2 }, () => body).join('');
  const out = join(dir, `${copies}${traps ? '' : '-clean'}-${file}`);
  writeFileSync(out, traps ? header + half + longRow + half + '2024-05-01T08:00:00Z,bad-row\n' : header + half + half);
  return out;
}
