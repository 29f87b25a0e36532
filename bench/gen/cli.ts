import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { writeDataset } from './write-dataset';

/** `npm run gen -- --devices N --hours H --seed S [--out DIR] [--start ISO] [--rate R] [--attacks K]` */
function main(): void {
  const { values } = parseArgs({
    options: {
      devices: { type: 'string', default: '20' },
      hours: { type: 'string', default: '4' },
      seed: { type: 'string', default: '1' },
      out: { type: 'string' },
      start: { type: 'string' },
      rate: { type: 'string' },
      attacks: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run gen -- --devices N --hours H --seed S [--out DIR] [--start ISO] [--rate R] [--attacks K]\n' +
        '  writes DIR/DeviceNetworkEvents.csv, DIR/DeviceProcessEvents.csv, DIR/truth.json, DIR/cases.json\n' +
        '  (default DIR bench/out/gen-<seed>; --rate scales background rows, 1 = ~600 per device-hour)\n',
    );
    return;
  }
  const num = (name: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined;
    const v = Number(text);
    if (!Number.isFinite(v)) throw new Error(`--${name}: not a number: ${text}`);
    return v;
  };
  const seed = values.seed;
  const dir = values.out ?? join('bench', 'out', `gen-${seed}`);
  const started = performance.now();
  const result = writeDataset(
    {
      devices: num('devices', values.devices)!,
      hours: num('hours', values.hours)!,
      seed,
      start: values.start,
      rate: num('rate', values.rate),
      extraAttacks: num('attacks', values.attacks),
    },
    dir,
  );
  const secs = (performance.now() - started) / 1000;
  const total = result.rows.DeviceNetworkEvents + result.rows.DeviceProcessEvents;
  const alerts = result.cases.cases.filter((c) => c.expect === 'alert').length;
  process.stdout.write(
    `${dir}: ${result.rows.DeviceNetworkEvents} network + ${result.rows.DeviceProcessEvents} process rows ` +
      `in ${secs.toFixed(1)} s (${Math.round(total / secs)} rows/s); ` +
      `${result.cases.cases.length} planted cases (${alerts} alerting), ${result.truth.rows.length} truth rows` +
      (result.cases.skipped.length ? `; skipped: ${result.cases.skipped.map((s) => s.kind).join(', ')}` : '') +
      '\n',
  );
}

main();
