/**
 * The ingest answer says which rule stages can run with everything loaded so far, each finding
 * tied to the files it concerns (the browser's ingest report shows them under each file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EngineRequest, EngineResponse, ReadinessView } from '../../../src/engine/worker/protocol';
import { readinessAppliesTo } from '../../../src/engine/worker/protocol';
import { EngineServer } from '../../../src/engine/worker/server';
import { decodeResponse } from '../../../src/engine/worker/wire';

const SAMPLES = join(__dirname, '../../../public/samples');
const NET = 'DeviceNetworkEvents.csv';
const PROC = 'DeviceProcessEvents.csv';

function harness() {
  const posted: EngineResponse[] = [];
  const server = new EngineServer((m) => posted.push(decodeResponse(m)));
  let nextId = 1;
  const ingest = async (name: string, bytes: Uint8Array<ArrayBuffer>): Promise<ReadinessView> => {
    const id = nextId++;
    await server.handle({ kind: 'ingest', id, name, file: new Blob([bytes]) } satisfies EngineRequest);
    const res = posted.filter((m) => m.id === id && m.kind !== 'progress').at(-1);
    if (res?.kind !== 'ingested') throw new Error(`ingest answered ${JSON.stringify(res)}`);
    expect(res.report.fatal).toBeNull();
    return res.readiness!;
  };
  return { ingest };
}

const sample = (name: string): Uint8Array<ArrayBuffer> => new Uint8Array(readFileSync(join(SAMPLES, name)));
const about = (r: ReadinessView, file: string): string[] =>
  r.notes.filter((n) => readinessAppliesTo(n.files, file)).map((n) => `${n.level}: ${n.text}`);

describe('readiness in the ingest answer', () => {
  it('with one table loaded, every file hears that the other is missing', async () => {
    const h = harness();
    const r = await h.ingest(PROC, sample(PROC));
    expect(about(r, PROC)).toContain(
      'warn: no DeviceNetworkEvents loaded: the RPC stage cannot run, so the rule can find nothing',
    );
    expect(about(r, PROC)).toContain('info: DCOM stage: 97 process starts by svchost DcomLaunch on 6 devices');
  });

  it('with both loaded: stage counts under their table, the boot filter under the device’s files', async () => {
    const h = harness();
    await h.ingest(NET, sample(NET));
    const r = await h.ingest(PROC, sample(PROC));
    expect(r.notes.some((n) => /no Device\w+ loaded/.test(n.text))).toBe(false);
    expect(about(r, NET)).toContain('info: RPC stage: 80 inbound connections on TCP 135 accepted by svchost RpcSs');
    expect(about(r, NET)).not.toContain('info: DCOM stage: 97 process starts by svchost DcomLaunch on 6 devices');
    const boot =
      'warn: no services.exe start found: every candidate on srv-sql-05.corp.contoso.com (7 DcomLaunch starts) is dropped by the boot filter, unless unknown boot times are kept';
    expect(about(r, PROC)).toContain(boot);
    // The network export holds that device too: its file is concerned as well.
    expect(about(r, NET)).toContain(boot);
    // Only that device: the other five have their boot in the data.
    expect(r.notes.filter((n) => n.text.startsWith('no services.exe')).length).toBe(1);
  });

  it('a device only in another file does not concern this one', async () => {
    const h = harness();
    const proc = new TextDecoder().decode(sample(PROC)).split(/\r?\n/);
    const header = proc[0]!;
    const idCol = header.split(',').indexOf('DeviceName');
    const sql = proc.filter((l, i) => i > 0 && l.split(',')[idCol] === 'srv-sql-05.corp.contoso.com');
    const rest = proc.filter((l, i) => i > 0 && l !== '' && l.split(',')[idCol] !== 'srv-sql-05.corp.contoso.com');
    expect(sql.length).toBeGreaterThan(0);
    const enc = new TextEncoder();
    await h.ingest(NET, sample(NET));
    await h.ingest('sql.csv', enc.encode([header, ...sql].join('\n')));
    const r = await h.ingest('others.csv', enc.encode([header, ...rest].join('\n')));
    expect(about(r, 'sql.csv').some((t) => t.includes('srv-sql-05'))).toBe(true);
    expect(about(r, 'others.csv').some((t) => t.includes('srv-sql-05'))).toBe(false);
  });

  it('matches the keys of a file holding several tables', () => {
    expect(readinessAppliesTo(['x.json (DeviceProcessEvents)'], 'x.json')).toBe(true);
    expect(readinessAppliesTo(['a.zip/net.csv'], 'a.zip')).toBe(true);
    expect(readinessAppliesTo(['x.json2'], 'x.json')).toBe(false);
  });
});
