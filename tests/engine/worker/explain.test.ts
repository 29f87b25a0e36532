/**
 * Explain mode through the worker protocol (server in-thread, committed samples): the funnel adds
 * up, every planted near miss gets its reason with the measured value, the WMI-style allow-listed
 * chains come out as suppressed-but-suspicious, the boot filter's drops are per device, the
 * allow-list impact flags dead entries, and a candidate opens with its failing stage marked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ExplainView, TuningInput } from '../../../src/engine/worker/explain-protocol';
import type { DetectionView, EngineRequest, EngineResponse } from '../../../src/engine/worker/protocol';
import { EngineServer } from '../../../src/engine/worker/server';
import { nearMisses } from '../../../src/components/explain-items';
import { decodeResponse } from '../../../src/engine/worker/wire';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');
const NOW = 638_500_000_000_000_000n;

interface PlantedCase {
  readonly kind: string;
  readonly expect: 'alert' | 'suppressed';
  readonly DeviceName: string;
  readonly dcom?: { readonly ReportId: number };
}
const cases = (JSON.parse(readFileSync(join(SAMPLES, 'cases.json'), 'utf8')) as { cases: PlantedCase[] }).cases;

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
let view: ExplainView;
const AS_SHIPPED: TuningInput = { allowList: null, unknownBoot: 'drop' };
const explain = async (tuning: TuningInput) =>
  (await h.ask('explained', (id) => ({ kind: 'explain', id, tuning }))).view;
const dcomOf = (v: ExplainView, c: PlantedCase) =>
  v.candidates.find(
    (x) => x.spine === 'dcomProcEvents' && c.dcom !== undefined && x.key.endsWith(`|${c.dcom.ReportId}`),
  );

beforeAll(async () => {
  h = harness();
  for (const name of ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv']) {
    const file = new Blob([readFileSync(join(SAMPLES, name))]);
    await h.ask('ingested', (id) => ({ kind: 'ingest', id, name, file }));
  }
  detection = (await h.ask('detected', (id) => ({ kind: 'detect', id, allowList: null }))).detection;
  view = await explain(AS_SHIPPED);
});

describe('explain request', () => {
  it('is JSON-safe and cached per tuning state', async () => {
    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    // Each answer crosses as fresh bytes; a cached one is the same view (its run time included).
    const again = await explain(AS_SHIPPED);
    expect(again).not.toBe(view);
    expect(again).toEqual(view);
    expect(again.elapsedMs).toBe(view.elapsedMs);
    const keep = await explain({ allowList: null, unknownBoot: 'keep' });
    expect(keep.tuning.unknownBoot).toBe('keep');
    const keepAgain = await explain({ allowList: null, unknownBoot: 'keep' });
    expect(keepAgain).toEqual(keep);
    expect(keepAgain.elapsedMs).toBe(keep.elapsedMs);
  });

  it('the funnel adds up, in total and per device, and the alerts match the detection', () => {
    const alerts = view.candidates.filter((c) => c.state === 'alert').length;
    expect(alerts).toBeGreaterThan(0);
    expect(alerts + view.funnel.reduce((s, f) => s + f.suppressed, 0)).toBe(view.candidates.length);
    for (const f of view.funnel) {
      expect(f.byDevice.reduce((s, [, n]) => s + n, 0)).toBe(f.suppressed);
      expect(f.byPredicate.reduce((s, [, n]) => s + n, 0)).toBe(f.suppressed);
    }
    expect(view.devices.reduce((s, d) => s + d.candidates, 0)).toBe(view.candidates.length);
    for (const d of view.devices) expect(d.alerts + d.suppressed).toBe(d.candidates);
    expect(new Set(view.alertKeys)).toEqual(new Set(detection.keys));
    const fromCandidates = new Set(view.candidates.flatMap((c) => c.alertKeys));
    expect(fromCandidates).toEqual(new Set(detection.keys));
    expect(new Set(view.candidates.map((c) => c.key)).size).toBe(view.candidates.length);
  });

  const reasons: Record<string, RegExp> = {
    'gap-3s': /datetime_diff\(.*\) = 3, outside 0 \.\. 2/,
    'proc-before-net': /datetime_diff\(.*\) = -1, outside 0 \.\. 2/,
    'boot-window': /TimestampProcEvent > LastBootTime\+5m is false/,
    'no-boot-device': /LastBootTime\+5m is null/,
    'allow-listed-with-child': /"dllhost\.exe" is in the list \(entry "dllhost\.exe"\)/,
    'only-child-csc': /FileName = "csc\.exe" is in the list/,
    'no-child': /no matching row on the right side of the join/,
    'local-ip-equals-remote-ip': /LocalIP !~ RemoteIP is false/,
    'listening-135': /ActionType = "ListeningConnectionCreated"/,
    'port-swap-1350': /no matching row on the left side of the join/,
  };
  it.each(Object.entries(reasons))('planted %s gets its reason', (kind, reason) => {
    const planted = cases.filter((c) => c.kind === kind);
    expect(planted.length).toBeGreaterThan(0);
    for (const c of planted) {
      const cand = dcomOf(view, c);
      expect(cand?.state, kind).toBe('suppressed');
      expect(cand!.failure!.detail).toMatch(reason);
      expect(cand!.device).toBe(c.DeviceName);
    }
  });

  it('measures the gap and the violation of the window near misses', () => {
    const gap3 = dcomOf(
      view,
      cases.find((c) => c.kind === 'gap-3s')!,
    )!;
    expect(gap3.gap).toBe(3);
    expect(gap3.failure!.violation).toBe(1);
    expect(view.window).toEqual({ lo: 0, hi: 2 });
  });

  it('lists a window near miss once, as a chain of its RPC event and DCOM start', () => {
    const list = nearMisses(view);
    const gap3 = dcomOf(
      view,
      cases.find((c) => c.kind === 'gap-3s')!,
    )!;
    const row = list.find((n) => n.keys.includes(gap3.key))!;
    expect(row.candidate.key).toBe(gap3.key);
    expect(row.spines).toEqual(['dcomProcEvents', 'rpcNetwEvents']);
    const suppressed = view.candidates.filter((c) => c.state === 'suppressed');
    expect(list.length).toBeLessThan(suppressed.length);
    expect(list.flatMap((n) => n.keys).sort()).toEqual(suppressed.map((c) => c.key).sort());
  });

  it('the boot filter drops every candidate of the device without a boot, and the knob brings them back', async () => {
    const noBoot = view.devices.filter((d) => d.noBoot);
    expect(noBoot.map((d) => d.device)).toEqual(['srv-sql-05.corp.contoso.com']);
    expect(noBoot[0]!.bootDropped).toBeGreaterThan(0);
    expect(noBoot[0]!.alerts).toBe(0);
    expect(view.funnel.find((f) => f.boot)?.byDevice).toContainEqual([
      'srv-sql-05.corp.contoso.com',
      noBoot[0]!.bootDropped,
    ]);
    const keep = await explain({ allowList: null, unknownBoot: 'keep' });
    const after = keep.devices.find((d) => d.device === 'srv-sql-05.corp.contoso.com')!;
    expect(after.bootDropped).toBe(0);
    expect(after.alerts).toBeGreaterThan(0);
  });

  it('WMI-style allow-listed chains are suppressed but suspicious, with a reason', () => {
    const wmi = view.candidates.filter((c) => c.failure?.listEntry === 'WmiPrvSE.exe');
    expect(wmi.length).toBeGreaterThan(0);
    const flagged = wmi.filter((c) => c.suspicion !== null);
    expect(flagged.length).toBeGreaterThan(0);
    for (const c of flagged) {
      expect(c.suspicion!.hiddenBy).toBe('allow-list');
      expect(c.suspicion!.reasons.length).toBeGreaterThan(0);
    }
    expect(flagged.some((c) => c.suspicion!.lolbins.length > 0)).toBe(true);
    const dll = dcomOf(
      view,
      cases.find((c) => c.kind === 'allow-listed-with-child')!,
    )!;
    expect(dll.suspicion?.reasons.join(' ')).toMatch(/only the allow-list entry "dllhost\.exe" stops an alert/);
    const csc = dcomOf(
      view,
      cases.find((c) => c.kind === 'only-child-csc')!,
    )!;
    expect(csc.suspicion?.hiddenBy).toBe('child-exclusion');
  });

  it('reports the allow-list impact per entry, dead ones flagged', () => {
    const by = new Map(view.allowImpact.map((a) => [a.entry, a]));
    expect([...by.keys()]).toEqual(detection.allowList);
    const wmi = by.get('WmiPrvSE.exe')!;
    expect(wmi.suppressed).toBeGreaterThan(0);
    expect(wmi.chains).toBeGreaterThan(0);
    expect(wmi.withChildren).toBeGreaterThan(0);
    expect(wmi.children.length).toBeGreaterThan(0);
    expect(wmi.dead).toBe(false);
    expect(by.get('TiWorker.exe')!.dead).toBe(true);
    expect(view.allowImpact.some((a) => a.greedy)).toBe(false);
    const total = view.allowImpact.reduce((s, a) => s + a.suppressed, 0);
    expect(total).toBe(view.funnel.find((f) => /allowListedExecs/.test(f.stage))!.suppressed);
  });

  it('removing an allow-list entry turns its suspicious chains into alerts', async () => {
    const without = detection.allowList.filter((e) => e !== 'WmiPrvSE.exe');
    const v = await explain({ allowList: without, unknownBoot: 'drop' });
    expect(v.alertKeys.length).toBeGreaterThan(view.alertKeys.length);
    expect(v.candidates.some((c) => c.failure?.listEntry === 'WmiPrvSE.exe')).toBe(false);
  });

  it('opens a near miss like a hit, with its failing stage marked', async () => {
    const gap3 = dcomOf(
      view,
      cases.find((c) => c.kind === 'gap-3s')!,
    )!;
    const d = (await h.ask('hit', (id) => ({ kind: 'candidate-detail', id, tuning: AS_SHIPPED, key: gap3.key })))
      .detail;
    expect(d.failure?.violation).toBe(1);
    expect(d.rpc).not.toBeNull();
    expect(d.dcom).toHaveLength(1);
    expect(d.diffSeconds).toBe(3);
    expect(d.why[0]!.checks[0]).toMatchObject({ pass: false, predicate: expect.stringMatching(/datetime_diff/) });
    expect(d.why.some((s) => s.checks.some((c) => /datetime_diff = 3 s/.test(c.value) && !c.pass))).toBe(true);
    expect(d.tree.some((n) => n.role === 'server')).toBe(true);
    const wmi = view.candidates.find((c) => c.suspicion && c.suspicion.lolbins.length > 0)!;
    const w = (await h.ask('hit', (id) => ({ kind: 'candidate-detail', id, tuning: AS_SHIPPED, key: wmi.key }))).detail;
    expect(w.children.length).toBeGreaterThan(0);
    expect(w.why[0]!.checks[0]!.value).toMatch(/is in the list/);
    const missing = await (async () => {
      try {
        await h.ask('hit', (id) => ({ kind: 'candidate-detail', id, tuning: AS_SHIPPED, key: 'nope' }));
        return null;
      } catch (e) {
        return e as Error;
      }
    })();
    expect(missing?.message).toMatch(/no candidate nope/);
  });

  it('a wider window turns the 3 s near miss into an alert, in explain, detail and detect alike', async () => {
    const wide: TuningInput = { allowList: null, unknownBoot: 'drop', knobs: { window: { lo: 0, hi: 3 } } };
    const v = await explain(wide);
    expect(v.window).toEqual({ lo: 0, hi: 3 });
    expect(v.query).toContain('between (0 .. 3)');
    const gap3 = dcomOf(
      v,
      cases.find((c) => c.kind === 'gap-3s')!,
    )!;
    expect(gap3.gap).toBe(3);
    expect(gap3.failure?.predicate ?? '').not.toMatch(/datetime_diff/);
    const d = (await h.ask('hit', (id) => ({ kind: 'candidate-detail', id, tuning: wide, key: gap3.key }))).detail;
    expect(d.window).toMatchObject({ lo: 0, hi: 3 });
    expect(d.window!.toMs - d.window!.fromMs).toBe(4000);
    expect(d.why.some((s) => s.checks.some((c) => /datetime_diff = 3 s within 0\.\.3/.test(c.value) && c.pass))).toBe(
      true,
    );
    const run = (
      await h.ask('detected', (id) => ({ kind: 'detect', id, allowList: null, knobs: { window: { lo: 0, hi: 3 } } }))
    ).detection;
    expect(run.query).toContain('between (0 .. 3)');
    expect(run.knobs).toEqual({ window: { lo: 0, hi: 3 } });
    expect(run.keys.length).toBe(v.alertKeys.length);
    expect(v.alertKeys.length).toBeGreaterThanOrEqual(view.alertKeys.length);
    const rv = (await h.ask('rule-view', (id) => ({ kind: 'rule-view', id }))).view;
    expect(rv.window).toEqual({ lo: 0, hi: 3, unit: 'second' });
    expect(rv.bootGraceSeconds).toBe(300);
    // Back to the rule as written for the other tests.
    await h.ask('detected', (id) => ({ kind: 'detect', id, allowList: null }));
  });

  it('a bad knob is refused with a message, not run', async () => {
    const bad = h.ask('explained', (id) => ({
      kind: 'explain',
      id,
      tuning: { allowList: null, unknownBoot: 'drop', knobs: { window: { lo: 3, hi: 1 } } },
    }));
    await expect(bad).rejects.toThrow(/above its high bound/);
  });
});
