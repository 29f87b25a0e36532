/**
 * The worker server, in-thread over the committed samples: the same requests the UI sends through
 * the worker, checked against the sample's truth.json.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type {
  DetectionView,
  EngineRequest,
  EngineResponse,
  IngestReportView,
} from '../../../src/engine/worker/protocol';
import { ALERT_COLUMNS, EngineServer, parseExplain } from '../../../src/engine/worker/server';
import { decodeResponse } from '../../../src/engine/worker/wire';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');
const NETWORK = 'DeviceNetworkEvents.csv';
const PROCESS = 'DeviceProcessEvents.csv';

interface Truth {
  readonly columns: readonly string[];
  readonly rows: readonly (readonly unknown[])[];
}

const truth = JSON.parse(readFileSync(join(SAMPLES, 'truth.json'), 'utf8')) as Truth;

function sampleBlob(name: string): Blob {
  return new Blob([readFileSync(join(SAMPLES, name))]);
}

/** A server plus a log of everything it posted, and a request helper that returns the answer. */
function harness() {
  const posted: EngineResponse[] = [];
  const server = new EngineServer((m) => posted.push(decodeResponse(m)));
  let nextId = 1;
  const ask = async (make: (id: number) => EngineRequest): Promise<EngineResponse> => {
    const req = make(nextId++);
    await server.handle(req);
    const answer = posted.filter((m) => m.id === req.id && m.kind !== 'progress').at(-1);
    if (!answer) throw new Error(`no answer to ${req.kind}`);
    return answer;
  };
  return { server, posted, ask };
}

async function loadSamples(h: ReturnType<typeof harness>): Promise<IngestReportView[]> {
  const reports: IngestReportView[] = [];
  for (const name of [NETWORK, PROCESS]) {
    const res = await h.ask((id) => ({ kind: 'ingest', id, name, file: sampleBlob(name) }));
    if (res.kind !== 'ingested') throw new Error(`ingest answered ${JSON.stringify(res)}`);
    reports.push(res.report);
  }
  return reports;
}

async function detect(h: ReturnType<typeof harness>, allowList: readonly string[] | null): Promise<DetectionView> {
  const res = await h.ask((id) => ({ kind: 'detect', id, allowList }));
  if (res.kind !== 'detected') throw new Error(`detect answered ${JSON.stringify(res)}`);
  return res.detection;
}

/** A row as comparable text (the set column sorted, as the export sorts it). */
function rowKey(row: readonly unknown[]): string {
  return JSON.stringify(row.map((v) => (Array.isArray(v) ? [...(v as string[])].sort() : v)));
}

describe('EngineServer', () => {
  it('answers hello with the protocol version', async () => {
    const h = harness();
    const res = await h.ask((id) => ({ kind: 'hello', id }));
    expect(res).toEqual({ kind: 'ready', id: 1, version: 2 });
  });

  it('describes the shipped rule with its allow-list', async () => {
    const h = harness();
    const res = await h.ask((id) => ({ kind: 'describe-rule', id }));
    expect(res.kind).toBe('rule');
    if (res.kind !== 'rule') return;
    expect(res.rule.name).toBe('DCOM Lateral Movement');
    expect(res.rule.tactics).toEqual(['LateralMovement']);
    expect(res.rule.allowList).toContain('dllhost.exe');
    expect(res.rule.allowList).toHaveLength(11);
  });

  it('ingests both samples with progress and recognises their tables', async () => {
    const h = harness();
    const reports = await loadSamples(h);
    expect(reports.map((r) => r.recognised)).toEqual(['DeviceNetworkEvents', 'DeviceProcessEvents']);
    for (const r of reports) {
      expect(r.fatal).toBeNull();
      expect(r.rowsLoaded).toBeGreaterThan(0);
      expect(r.rowsRead).toBe(r.rowsLoaded + r.rowsRejected);
      expect(r.timeFrom).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/);
    }
    const progress = h.posted.filter((m) => m.kind === 'progress');
    expect(progress.length).toBeGreaterThanOrEqual(2);
    const last = progress.at(-1)!;
    expect(last.kind === 'progress' && last.bytes === last.totalBytes).toBe(true);
  });

  it('finds exactly the truth rows', async () => {
    const h = harness();
    await loadSamples(h);
    const d = await detect(h, null);
    expect(d.columns.slice(0, ALERT_COLUMNS.length).map((c) => c.name)).toEqual([...ALERT_COLUMNS]);
    expect(d.rows).toHaveLength(truth.rows.length);
    expect(d.rows.map(rowKey).sort()).toEqual(truth.rows.map(rowKey).sort());
    expect(d.diff).toBeNull();
    expect(d.stages.length).toBeGreaterThan(5);
    expect(d.stages.some((s) => s.rows !== null)).toBe(true);
    expect(d.allowList).toContain('dllhost.exe');
  });

  it('re-runs with an edited allow-list and reports the difference', async () => {
    const h = harness();
    await loadSamples(h);
    const shipped = await detect(h, null);
    const without = shipped.allowList.filter((n) => n !== 'dllhost.exe');
    const tuned = await detect(h, without);
    expect(tuned.allowList).toEqual(without);
    // The samples plant allow-listed dllhost.exe chains with children (cases.json: allow-listed-*).
    expect(tuned.rows.length).toBeGreaterThan(shipped.rows.length);
    expect(tuned.diff).not.toBeNull();
    expect(tuned.diff!.added).toBe(tuned.rows.length - shipped.rows.length);
    expect(tuned.diff!.removed).toBe(0);
    const back = await detect(h, shipped.allowList);
    expect(back.diff).toEqual({ added: 0, removed: tuned.rows.length - shipped.rows.length });
  });

  it('exports the alerts as CSV with the rule columns first, then entities, tactic, technique, verdict', async () => {
    const h = harness();
    await loadSamples(h);
    await detect(h, null);
    const res = await h.ask((id) => ({ kind: 'export-csv', id }));
    expect(res.kind).toBe('csv');
    if (res.kind !== 'csv') return;
    const lines = res.text.split('\r\n');
    expect(lines[0]).toBe([...ALERT_COLUMNS, 'Host', 'IP', 'Process', 'Tactic', 'Technique', 'Verdict'].join(','));
    expect(res.rows).toBe(truth.rows.length);
    expect(res.text.charCodeAt(0)).not.toBe(0xfeff);
  });

  it('fails clearly when a table is missing, and flattens the error', async () => {
    const h = harness();
    await h.ask((id) => ({ kind: 'ingest', id, name: NETWORK, file: sampleBlob(NETWORK) }));
    const res = await h.ask((id) => ({ kind: 'detect', id, allowList: null }));
    expect(res.kind).toBe('error');
    if (res.kind !== 'error') return;
    expect(res.error.name).toBe('MissingTable');
    expect(res.error.message).toContain('DeviceProcessEvents');
    expect(typeof res.error.stack).toBe('string');
    expect(() => structuredClone(res)).not.toThrow();
  });

  it('refuses to export before a run', async () => {
    const h = harness();
    const res = await h.ask((id) => ({ kind: 'export-csv', id }));
    expect(res.kind === 'error' && res.error.name).toBe('NoResult');
  });

  it('cancels an ingest by request id', async () => {
    const h = harness();
    // A stream that never ends: only the cancel can finish this ingest.
    const endless = new Blob(['Timestamp,DeviceId\n']);
    const stuck = {
      size: 1 << 30,
      // The first bytes (format sniffing) read by range; the rest only streams.
      slice: (a: number, b: number) => new Blob([new Uint8Array(Math.min(b, 64) - a).fill(0x41)]),
      stream: () =>
        new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new Uint8Array(endless.size).fill(0x41));
          },
          pull: () => new Promise<void>(() => undefined),
        }),
    } as unknown as Blob;
    const pending = h.server.handle({ kind: 'ingest', id: 7, name: 'stuck.csv', file: stuck });
    await new Promise((r) => setTimeout(r, 20));
    await h.server.handle({ kind: 'cancel', id: 8, target: 7 });
    await pending;
    const answer = h.posted.find((m) => m.id === 7 && m.kind !== 'progress');
    expect(answer?.kind).toBe('error');
    expect(answer?.kind === 'error' && answer.error.name).toBe('AbortError');
  });

  it('forgets everything on clear', async () => {
    const h = harness();
    await loadSamples(h);
    expect((await h.ask((id) => ({ kind: 'clear', id }))).kind).toBe('cleared');
    const res = await h.ask((id) => ({ kind: 'detect', id, allowList: null }));
    expect(res.kind === 'error' && res.error.name).toBe('MissingTable');
  });

  it('parses explain text into stages', () => {
    expect(
      parseExplain('let a =\n  Filter x  [rows=3]\n    Scan T  [rows=10]\nresult =\n  LetRef a  [rows=3]\n'),
    ).toEqual([
      { depth: 0, text: 'let a =', rows: null },
      { depth: 1, text: 'Filter x', rows: 3 },
      { depth: 2, text: 'Scan T', rows: 10 },
      { depth: 0, text: 'result =', rows: null },
      { depth: 1, text: 'LetRef a', rows: 3 },
    ]);
  });
});
