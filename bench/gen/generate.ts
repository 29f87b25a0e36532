import { DOMAIN_SID, FIRST_NAMES, LAST_NAMES } from './catalog';
import { Clock, HOUR, MINUTE, SEC } from './clock';
import { Device } from './device';
import type { Account, RowSink, TableName } from './model';
import { NoiseGenerator } from './noise';
import { CasePlanter } from './planted-cases';
import type { CaseKind, CaseRecord } from './planted-cases';
import { Rng, seedFrom } from './prng';
import { RuleOracle, compareTruthRows } from './rule-oracle';
import type { Truth, TruthRow } from './rule-oracle';

export interface GenerateOptions {
  readonly devices: number;
  readonly hours: number;
  readonly seed: number | string;
  /** ISO 8601 UTC start of the window, floored to the minute. Default 2024-05-01T08:00:00Z. */
  readonly start?: string;
  /** Background activity multiplier: 1 gives roughly 600 rows per device-hour. */
  readonly rate?: number;
  /** True positives planted on top of one of each case kind. Default devices*hours/24. */
  readonly extraAttacks?: number;
}

export interface DeviceInfo {
  readonly DeviceId: string;
  readonly DeviceName: string;
  readonly IPv4: string;
  readonly IPv6: string;
  readonly role: 'normal' | 'no-boot' | 'reboot';
  /** Timestamps of the services.exe rows written for the device. */
  readonly boots: string[];
}

export interface CasesFile {
  readonly generator: {
    readonly devices: number;
    readonly hours: number;
    readonly seed: string;
    readonly rate: number;
  };
  readonly window: { readonly start: string; readonly end: string };
  readonly devices: DeviceInfo[];
  readonly cases: CaseRecord[];
  readonly skipped: { kind: CaseKind; reason: string }[];
}

export interface GenerateResult {
  readonly truth: Truth;
  readonly cases: CasesFile;
  readonly rows: Record<TableName, number>;
}

export const DEFAULT_START = '2024-05-01T08:00:00Z';

const DEPARTMENTS = ['fin', 'hr', 'eng', 'ops', 'mkt', 'lgl', 'it'];

/** A boot time 1-3 s past a 5 s boundary (planted-cases.ts relies on it for the bin edge cases). */
function alignedBoot(rng: Rng, around: number): number {
  return Math.floor(around / (5 * SEC)) * 5 * SEC + SEC + rng.int(2 * SEC);
}

function makeDevices(rng: Rng, n: number, windowEnd: number): Device[] {
  const devices: Device[] = [];
  for (let i = 0; i < n; i++) {
    const r = rng.fork(i + 1);
    const role = n >= 3 && i === n - 1 ? 'no-boot' : n >= 2 && i === (n >= 3 ? n - 2 : 1) ? 'reboot' : 'normal';
    const server = i % 7 === 5;
    const name = server
      ? `srv-${r.pick(['app', 'sql', 'web', 'file'])}-${String(i).padStart(2, '0')}.corp.contoso.com`
      : `ws-${r.pick(DEPARTMENTS)}-${String(1000 + i * 7 + r.int(7)).padStart(4, '0')}.corp.contoso.com`;
    const first = r.pick(FIRST_NAMES);
    const last = r.pick(LAST_NAMES);
    const user: Account = {
      domain: 'contoso',
      name: `${first}.${last}`,
      sid: `${DOMAIN_SID}-${1100 + i}`,
      upn: `${first}.${last}@contoso.com`,
      objectId: r.guid(),
      logonId: 0x3e7000 + r.int(0xfffff),
      integrity: 'Medium',
      elevation: 'TokenElevationTypeLimited',
      session: 1,
    };
    const admin: Account = {
      domain: 'contoso',
      name: 'svc-deploy',
      sid: `${DOMAIN_SID}-1602`,
      upn: 'svc-deploy@contoso.com',
      objectId: '7c1b9d2e-4f3a-4b6c-9a8e-2d5f6b7c8d9e',
      logonId: 0x5a0000 + r.int(0xfffff),
      integrity: 'High',
      elevation: 'TokenElevationTypeDefault',
      session: 0,
    };
    const ipv4 = `10.${11 + (Math.floor(i / 240) % 100)}.${1 + Math.floor(i / 24000)}.${10 + (i % 240)}`;
    const g = (): string => r.hex(4).replace(/^0+(?=.)/, '');
    const ipv6 = `fe80::${g()}:${g()}:${g()}:${g()}`;
    const dev = new Device(i, r.hex(40), name, ipv4, ipv6, user, admin, role, r);
    if (role === 'no-boot') {
      // Booted three days before the window: long-lived processes exist, no services.exe row does.
      dev.bootAt(r, alignedBoot(r, -3 * 24 * HOUR), false);
    } else {
      const boot = alignedBoot(r, 30 * SEC + r.int(7 * MINUTE));
      dev.bootAt(r, boot, true);
      if (role === 'reboot') dev.bootAt(r, alignedBoot(r, boot + Math.max(25 * MINUTE, 0.4 * windowEnd)), true);
    }
    devices.push(dev);
  }
  return devices;
}

/**
 * Generates a Defender export with planted DCOM lateral movement and near misses, streaming the
 * rows into `sinks` device by device (time-ordered within a device), and returns the rule's exact
 * expected output. The truth is computed twice, by the planted cases' own expectations and by a
 * brute-force evaluation of the rule over every emitted row (rule-oracle.ts); they must agree.
 */
export function generate(opts: GenerateOptions, sinks: Record<TableName, RowSink>): GenerateResult {
  if (!Number.isInteger(opts.devices) || opts.devices < 1) throw new Error('devices must be a positive integer');
  if (!(opts.hours >= 1)) throw new Error('hours must be at least 1');
  const clock = new Clock(opts.start ?? DEFAULT_START);
  const rng = new Rng(seedFrom(opts.seed));
  const rate = opts.rate ?? 1;
  const windowEnd = Math.round(opts.hours * HOUR);
  const devices = makeDevices(rng.fork(1), opts.devices, windowEnd);
  const planter = new CasePlanter(clock, rng.fork(2), devices, windowEnd);
  planter.plantAll(opts.extraAttacks ?? Math.floor((opts.devices * opts.hours) / 24));

  const oracle = new RuleOracle((cell) => clock.abs(cell));
  const counts: Record<TableName, number> = { DeviceNetworkEvents: 0, DeviceProcessEvents: 0 };
  const counting: Record<TableName, RowSink> = {
    DeviceNetworkEvents: { writeRow: (c) => (counts.DeviceNetworkEvents++, sinks.DeviceNetworkEvents.writeRow(c)) },
    DeviceProcessEvents: { writeRow: (c) => (counts.DeviceProcessEvents++, sinks.DeviceProcessEvents.writeRow(c)) },
  };
  for (const dev of devices) {
    const noise = new NoiseGenerator(dev, rng.fork(1000 + dev.index), rate);
    for (let from = 0; from < windowEnd; from += HOUR) {
      const to = Math.min(from + HOUR, windowEnd);
      noise.generate(from, to);
      dev.flush(to, counting, oracle);
    }
    dev.discardFrom(windowEnd);
    dev.flush(Number.POSITIVE_INFINITY, counting, oracle);
    oracle.endDevice(dev.deviceId);
  }
  const truth = oracle.finish();

  const expected: TruthRow[] = planter.cases.flatMap((c) => c.expected).sort(compareTruthRows);
  checkAgreement(truth.rows, expected);

  const cases: CasesFile = {
    generator: { devices: opts.devices, hours: opts.hours, seed: String(opts.seed), rate },
    window: { start: clock.exact(0), end: clock.exact(windowEnd) },
    devices: devices.map((d) => ({
      DeviceId: d.deviceId,
      DeviceName: d.deviceName,
      IPv4: d.ipv4,
      IPv6: d.ipv6,
      role: d.role,
      boots: d.bootRowTimes.map((t) => clock.exact(t)),
    })),
    cases: planter.cases.map((c) => c.record),
    skipped: planter.skipped,
  };
  return { truth, cases, rows: counts };
}

/** The planted expectation and the brute-force rule evaluation must be the same rows. */
function checkAgreement(actual: readonly TruthRow[], expected: readonly TruthRow[]): void {
  const a = actual.map((r) => JSON.stringify(r));
  const e = expected.map((r) => JSON.stringify(r));
  const missing = e.filter((r) => !a.includes(r));
  const extra = a.filter((r) => !e.includes(r));
  if (missing.length > 0 || extra.length > 0 || a.length !== e.length) {
    throw new Error(
      `generator bug: planted expectation and rule oracle disagree\n` +
        `missing from oracle (${missing.length}):\n${missing.slice(0, 5).join('\n')}\n` +
        `unexpected in oracle (${extra.length}):\n${extra.slice(0, 5).join('\n')}`,
    );
  }
}

/** truth.json text: one row per line so diffs stay readable. */
export function truthJson(truth: Truth): string {
  const rows = truth.rows.map((r) => '    ' + JSON.stringify(r)).join(',\n');
  return `{\n  "columns": ${JSON.stringify(truth.columns)},\n  "rows": [\n${rows}${rows ? '\n' : ''}  ]\n}\n`;
}
