/**
 * Hit detail, surrounding events, rule view and the alerts export, through the server in-thread
 * over the committed samples: provenance names the alert's rows, the tree comes from the full
 * process table, and why-it-fired re-checks every stage with the values it saw.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DetectionView, EngineRequest, EngineResponse, HitDetail } from '../../../src/engine/worker/protocol';
import { EngineServer } from '../../../src/engine/worker/server';
import { decodeResponse } from '../../../src/engine/worker/wire';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');
const NOW = 638_500_000_000_000_000n;

function harness() {
  const posted: EngineResponse[] = [];
  const server = new EngineServer((m) => posted.push(decodeResponse(m)), { now: () => NOW });
  let nextId = 1;
  const ask = async <K extends EngineResponse['kind']>(kind: K, make: (id: number) => EngineRequest) => {
    const req = make(nextId++);
    await server.handle(req);
    const answer = posted.filter((m) => m.id === req.id && m.kind !== 'progress').at(-1);
    if (answer?.kind !== kind) throw new Error(`${req.kind} answered ${JSON.stringify(answer)}`);
    return answer as Extract<EngineResponse, { kind: K }>;
  };
  return { ask };
}

let h: ReturnType<typeof harness>;
let detection: DetectionView;

async function detect(opts: Partial<Extract<EngineRequest, { kind: 'detect' }>> = {}): Promise<DetectionView> {
  return (await h.ask('detected', (id) => ({ kind: 'detect', id, allowList: null, ...opts }))).detection;
}

function rowWhere(column: string, value: string): number {
  const c = detection.columns.findIndex((x) => x.name === column);
  const r = detection.rows.findIndex((row) => row[c] === value);
  if (r < 0) throw new Error(`no alert with ${column} = ${value}`);
  return r;
}

async function hit(row: number): Promise<HitDetail> {
  return (await h.ask('hit', (id) => ({ kind: 'hit-detail', id, row }))).detail;
}

beforeAll(async () => {
  h = harness();
  for (const name of ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv']) {
    await h.ask('ingested', (id) => ({
      kind: 'ingest',
      id,
      name,
      file: new Blob([readFileSync(join(SAMPLES, name))]),
    }));
  }
  detection = await detect();
});

describe('hit detail', () => {
  it('names the RPC row, the DCOM start and the children of the MMC20 alert', async () => {
    const d = await hit(rowWhere('TimestampNetwEventExact', '2024-05-01T08:08:44.9000000Z'));
    expect(d.deviceName).toBe('ws-hr-1004.corp.contoso.com');
    expect(d.rpc?.iso).toBe('2024-05-01T08:08:44.9000000Z');
    expect(d.rpc?.record.table).toBe('DeviceNetworkEvents');
    expect(d.dcom.map((e) => e.label)).toEqual(['mmc.exe (PID 2300)']);
    expect(d.children.map((e) => e.label.replace(/ \(PID \d+\)/, ''))).toEqual(['cmd.exe', 'cmd.exe']);
    expect(d.boot?.iso).toBe('2024-05-01T08:03:41.5582151Z');
    expect(d.diffSeconds).toBe(1);
    expect(d.window).toMatchObject({ fromIso: '2024-05-01T08:08:44.0000000Z', toIso: '2024-05-01T08:08:47.0000000Z' });
    const tree = d.tree.map((n) => [n.fileName, n.role, n.link.kind, n.inAlert]);
    expect(tree.slice(0, 2)).toEqual([
      ['svchost.exe', 'dcomlaunch', 'root', false],
      ['mmc.exe', 'server', 'unique-id', true],
    ]);
    expect(tree.filter((n) => n[0] === 'cmd.exe' && n[3])).toHaveLength(2);
    expect(d.why.flatMap((s) => s.checks).every((c) => c.pass)).toBe(true);
    const values = d.why.flatMap((s) => s.checks.map((c) => c.value));
    expect(values).toContain('datetime_diff = 1 s within 0..2 (exact gap +0.4 s)');
    expect(
      values.some((v) => v.startsWith('boot 2024-05-01T08:03:41.5582151Z + 5 min = 2024-05-01T08:08:41.5582151Z <')),
    ).toBe(true);
    expect(values).toContain('"mmc.exe" is not among the 11 entries');
  });

  it('flags PID reuse and the child that only the rule joins (case-011)', async () => {
    const d = await hit(rowWhere('TimestampNetwEventExact', '2024-05-01T08:32:20.1450975Z'));
    const server = d.tree.find((n) => n.role === 'server')!;
    expect(server.fileName).toBe('mmc.exe');
    expect(server.pidReuse.length).toBeGreaterThan(0);
    const notepad = d.tree.find((n) => n.fileName === 'notepad.exe')!;
    expect(notepad.link.kind).toBe('rule-join');
    expect(notepad.inAlert).toBe(true);
  });

  it('counts second boundaries, not the gap (case-013: 2.05 s kept) and a DCOM start before the RPC (case-014)', async () => {
    const a = await hit(rowWhere('TimestampNetwEventExact', '2024-05-01T09:52:20.9000000Z'));
    expect(a.diffSeconds).toBe(2);
    expect(a.why.flatMap((s) => s.checks.map((c) => c.value))).toContain(
      'datetime_diff = 2 s within 0..2 (exact gap +2.05 s)',
    );
    const b = await hit(rowWhere('TimestampNetwEventExact', '2024-05-01T09:03:20.9000000Z'));
    expect(b.diffSeconds).toBe(0);
    expect(b.why.flatMap((s) => s.checks.map((c) => c.value))).toContain(
      'datetime_diff = 0 s within 0..2 (exact gap -0.8 s)',
    );
  });

  it('lists the surrounding events of the device, nearest within ±N s', async () => {
    const row = rowWhere('TimestampNetwEventExact', '2024-05-01T08:08:44.9000000Z');
    const { events } = await h.ask('events', (id) => ({ kind: 'surrounding', id, row, seconds: 5 }));
    expect(events.events.length).toBeGreaterThan(2);
    const center = Date.parse('2024-05-01T08:08:44.900Z');
    for (const e of events.events) expect(Math.abs(e.ms - center)).toBeLessThanOrEqual(5000);
    expect(
      events.events.every((e) =>
        e.record.fields.some(([k, v]) => k === 'DeviceName' && v === 'ws-hr-1004.corp.contoso.com'),
      ),
    ).toBe(true);
  });

  it('rejects a row that is not an alert', async () => {
    await expect(hit(10_000)).rejects.toThrow(/no alert row/);
  });
});

describe('rule view and export', () => {
  it('describes the rule with stages as written and their row counts', async () => {
    const { view } = await h.ask('rule-view', (id) => ({ kind: 'rule-view', id }));
    expect(view.severity).toBe('Medium');
    expect(view.techniques).toEqual(['T1021.003']);
    expect(view.childExclusions).toEqual(['csc.exe']);
    expect(view.entityMappings.map((m) => m.entityType)).toEqual(['Host', 'IP', 'Process']);
    expect(view.counted).toBe(true);
    expect(view.stages.find((s) => s.text === 'Scan DeviceNetworkEvents')?.rows).toBe(5704);
    // As written: the window filter is its own stage (the optimiser would fold it into a band join).
    expect(view.stages.some((s) => s.text.startsWith('Filter datetime_diff("second"') && s.rows !== null)).toBe(true);
  });

  it('applies the unknown-boot knob to the KQL and the run', async () => {
    const kept = await detect({ unknownBoot: 'keep' });
    expect(kept.query).toContain('where isnull(LastBootTime) or TimestampProcEvent > LastBootTime+5m');
    expect(kept.rows.length).toBeGreaterThan(detection.rows.length);
    const { view } = await h.ask('rule-view', (id) => ({ kind: 'rule-view', id }));
    expect(view.query).toBe(kept.query);
    expect(view.unknownBoot).toBe('keep');
    detection = await detect();
  });

  it('exports entity columns, tactic, technique and verdicts; raw values on request', async () => {
    const key = detection.keys[0]!;
    const { text } = await h.ask('csv', (id) => ({
      kind: 'export-csv',
      id,
      options: { verdicts: { [key]: 'false-positive' } },
    }));
    const [head, ...rows] = parseCsv(text) as string[][];
    expect(head!.slice(-6)).toEqual(['Host', 'IP', 'Process', 'Tactic', 'Technique', 'Verdict']);
    const v = head!.indexOf('Verdict');
    expect(rows.filter((r) => r[v] !== '').map((r) => r[v])).toEqual(['false positive']);
    const host = head!.indexOf('Host');
    const name = head!.indexOf('DeviceName');
    for (const r of rows) expect(r[host]).toBe(r[name]);
    const json = await h.ask('json', (id) => ({ kind: 'export-json', id, options: { raw: true } }));
    const parsed = JSON.parse(json.text) as { columns: string[]; rows: unknown[][] };
    expect(parsed.columns.at(-1)).toBe('Verdict');
    expect(parsed.rows).toHaveLength(detection.rows.length);
  });
});
