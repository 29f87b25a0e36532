// @vitest-environment jsdom
/** The explain views in jsdom: funnel, boot banner, near misses, suspicious, impact, what-if, pins. */
import { act, createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AllowImpactPanel } from '../../src/components/AllowImpactPanel';
import { BootBanner } from '../../src/components/BootBanner';
import { nearMisses, suspiciousChains, whatIfDiff } from '../../src/components/explain-items';
import { FunnelPanel } from '../../src/components/FunnelPanel';
import { layoutGaps } from '../../src/components/gap-histogram';
import { NearMissesTable } from '../../src/components/NearMissesTable';
import { checkPins, togglePin } from '../../src/components/pins';
import { PinsPanel } from '../../src/components/PinsPanel';
import { SuspiciousList } from '../../src/components/SuspiciousList';
import { parseTuningState, stateHash, readStateHash, EMPTY_STATE } from '../../src/components/tuning-state';
import { WhatIfPanel } from '../../src/components/WhatIfPanel';
import type { EngineClient, TuningInput } from '../../src/engine/worker/client';
import { nearMisses as engineNearMisses, nearMissesCsv } from '../../src/engine/worker/near-misses';
import { explainFixture, explainWithoutWmi } from './explain-fixtures';
import { click, mount, type Mounted } from './render';

let mounted: Mounted | null = null;
afterEach(async () => {
  await mounted?.unmount();
  mounted = null;
});

const text = (el: Element | null | undefined): string => el?.textContent ?? '';

describe('explain items', () => {
  it('sorts near misses by violation, then the later stage', () => {
    expect(nearMisses(explainFixture()).map((c) => c.candidate.key)).toEqual(['gap3', 'wmi', 'boot', 'boot2']);
  });

  it('shows an RPC event and a DCOM start that fail together on one pair as one near miss', () => {
    const base = explainFixture();
    const gap3 = base.candidates.find((c) => c.key === 'gap3')!;
    const path = [
      { table: 'DeviceNetworkEvents', rows: [40] },
      { table: 'DeviceProcessEvents', rows: [2, 9] },
    ];
    const dcom = { ...gap3, pathRows: path };
    const rpc = {
      ...gap3,
      key: 'gap3-rpc',
      spine: 'rpcNetwEvents',
      table: 'DeviceNetworkEvents',
      row: 40,
      pathRows: [path[1]!, { table: 'DeviceNetworkEvents', rows: [40] }].map((p) => ({
        ...p,
        rows: [...p.rows].reverse(),
      })),
    };
    // Same pair, another stage: a different near miss. Same stage, another partner: different too.
    const otherStage = { ...rpc, key: 'rpc-boot', failure: { ...gap3.failure!, nodeId: 16 } };
    const otherPair = { ...rpc, key: 'rpc-other', pathRows: [{ table: 'DeviceNetworkEvents', rows: [41] }, path[1]!] };
    const candidates = [rpc, ...base.candidates.map((c) => (c.key === 'gap3' ? dcom : c)), otherStage, otherPair];
    const view = { ...base, candidates, nearMisses: engineNearMisses(candidates) };
    const list = nearMisses(view);
    const merged = list.find((n) => n.keys.includes('gap3'))!;
    expect(merged).toMatchObject({
      candidate: { key: 'gap3' },
      spines: ['dcomProcEvents', 'rpcNetwEvents'],
      keys: ['gap3', 'gap3-rpc'],
    });
    expect(list.map((n) => n.candidate.key)).toEqual(expect.arrayContaining(['rpc-boot', 'rpc-other']));
    // Every suppressed candidate is in exactly one row.
    const suppressed = view.candidates
      .filter((c) => c.state === 'suppressed')
      .map((c) => c.key)
      .sort();
    expect(list.flatMap((n) => n.keys).sort()).toEqual(suppressed);
  });

  it('writes the near-miss table as CSV, closest first, formulas neutralised unless raw', () => {
    const base = explainFixture();
    const candidates = base.candidates.map((c) => (c.key === 'gap3' ? { ...c, label: '=HYPERLINK("x")' } : c));
    const view = { ...base, candidates, nearMisses: engineNearMisses(candidates) };
    const lines = nearMissesCsv(view).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'Rank,OffBy,Violation,DeviceName,Timestamp,Spines,Candidate,RemoteIP,DCOMFileName,GapSeconds,Stage,Predicate,Detail,AllowListEntry,CandidateKeys',
    );
    expect(lines).toHaveLength(1 + 4);
    expect(lines[1]).toMatch(
      /^1,1 s off,1,WS1,2024-05-01T08:08:45\.3000000Z,dcomProcEvents,"'=HYPERLINK\(""x""\)",10\.0\.0\.5,mmc\.exe,3,/,
    );
    expect(lines[1]!.endsWith(',gap3')).toBe(true);
    expect(nearMissesCsv(view, { raw: true }).split('\r\n')[1]).toContain(',"=HYPERLINK(""x"")",');
    expect(lines[2]).toMatch(/^2,,,WS1,.*WmiPrvSE\.exe.*,WmiPrvSE\.exe,wmi$/);
  });

  it('diffs two explanations: alerts and suspicious chains', () => {
    const d = whatIfDiff(explainFixture(), explainWithoutWmi());
    expect(d.alertsAdded.map((x) => x.key)).toEqual(['alert-wmi']);
    expect(d.alertsAdded[0]!.label).toContain('WmiPrvSE.exe');
    expect(d.alertsRemoved).toEqual([]);
    expect(d.suspiciousRemoved.map((x) => x.key)).toEqual(['wmi']);
    expect(suspiciousChains(explainWithoutWmi())).toEqual([]);
  });

  it('bins the gaps with d3 and puts the window edges around 0..2', () => {
    const l = layoutGaps(explainFixture(), 560, 180);
    const at = (g: number) => l.bins.find((b) => b.gap === g)!;
    expect(at(1)).toMatchObject({ alerts: 1, suppressed: 3 });
    expect(at(3)).toMatchObject({ alerts: 0, suppressed: 1 });
    expect(l.edges!.lo).toBeLessThan(l.x(0)!);
    expect(l.edges!.hi).toBeGreaterThan(l.x(2)! + l.x.bandwidth());
    expect(l.edges!.hi).toBeLessThan(l.x(3)!);
  });
});

describe('pins', () => {
  it('check pins against an explanation and toggle them', () => {
    const pins = { detected: ['alert-1'], quiet: ['wmi'] };
    expect(checkPins(pins, explainFixture()).every((p) => p.ok)).toBe(true);
    const after = checkPins(pins, explainWithoutWmi(), [explainFixture()]);
    expect(after.find((p) => p.key === 'wmi')).toMatchObject({ ok: false, now: 'would fire an alert' });
    expect(togglePin(pins, 'quiet', 'wmi', false)).toEqual({ detected: ['alert-1'], quiet: [] });
    expect(togglePin({ detected: ['a'], quiet: [] }, 'detected', 'a', false)).toBeUndefined();
  });

  it('are part of the saved state, validated', () => {
    const state = { ...EMPTY_STATE, pins: { detected: ['k1'], quiet: ['c1'] } };
    expect(readStateHash(stateHash(state))).toEqual({ state, problems: [] });
    const bad = parseTuningState({ version: 1, pins: { detected: [1, 'x'.repeat(400), 'ok'], quiet: 'nope' } });
    expect(bad.state.pins).toEqual({ detected: ['ok'], quiet: [] });
    expect(bad.problems.length).toBe(3);
    expect(parseTuningState({ version: 1, pins: { detected: [], quiet: [] } }).state.pins).toBeUndefined();
    expect(parseTuningState({ version: 1, pins: [] }).problems).toContain('pins is not an object');
  });
});

describe('<BootBanner>', () => {
  it('names each device without a boot and switches the knob in one click', async () => {
    const onKeep = vi.fn();
    mounted = await mount(createElement(BootBanner, { view: explainFixture(), unknownBoot: 'drop', onKeep }));
    const banner = mounted.container.querySelector('[role="alert"]');
    expect(text(banner)).toContain('no boot seen on WORKSTATION6: 2 candidates dropped by the boot filter');
    await click(mounted.container.querySelector('button'));
    expect(onKeep).toHaveBeenCalledOnce();
    await mounted.rerender(createElement(BootBanner, { view: explainFixture(), unknownBoot: 'keep', onKeep }));
    expect(mounted.container.querySelector('[role="alert"]')).toBeNull();
  });
});

describe('<FunnelPanel>', () => {
  it('counts per stage for all data and per device', async () => {
    mounted = await mount(createElement(FunnelPanel, { view: explainFixture() }));
    const rows = () => [...mounted!.container.querySelectorAll('tbody tr')].map((r) => text(r.querySelector('td.num')));
    expect(rows()).toEqual(['2', '1', '1', '1']);
    expect(text(mounted.container.querySelector('.funnel-total'))).toMatch(
      /5 candidates .* 1 alert candidate, 4 suppressed/,
    );
    expect(mounted.container.querySelector('tr.funnel-boot')).not.toBeNull();
    const select = mounted.container.querySelector('select')!;
    await act(async () => {
      select.value = 'WORKSTATION6';
      select.dispatchEvent(new Event('change', { bubbles: true }));
    });
    expect(rows()).toEqual(['2', '0', '0', '0']);
  });
});

describe('<NearMissesTable>', () => {
  it('lists the closest first and opens a row', async () => {
    const onOpen = vi.fn();
    mounted = await mount(createElement(NearMissesTable, { view: explainFixture(), opened: null, onOpen }));
    const first = mounted.container.querySelector('tbody tr')!;
    expect(text(first.querySelector('td'))).toBe('1 s off');
    expect(text(first)).toContain('datetime_diff = 3, outside 0 .. 2');
    await click(first.querySelector('button'));
    expect(onOpen.mock.calls[0]![0].key).toBe('gap3');
  });
});

describe('<SuspiciousList> and <AllowImpactPanel>', () => {
  it('gives each hidden chain its one-line reason', async () => {
    mounted = await mount(createElement(SuspiciousList, { view: explainFixture(), onOpen: () => undefined }));
    expect(text(mounted.container.querySelector('.suspicious-reason'))).toBe(
      'allow-listed WmiPrvSE.exe (entry "WmiPrvSE.exe") started powershell.exe',
    );
    expect(text(mounted.container.querySelector('.pin-tag'))).toBe('allow-list: WmiPrvSE.exe');
  });

  it('flags greedy, dead and switched-off entries', async () => {
    mounted = await mount(
      createElement(AllowImpactPanel, {
        view: explainFixture(),
        entries: ['WmiPrvSE.exe', 'TiWorker.exe', 'dllhost.exe'],
        active: new Set(['WmiPrvSE.exe', 'TiWorker.exe']),
      }),
    );
    const rows = [...mounted.container.querySelectorAll('tbody tr')].map((r) => text(r));
    expect(rows[0]).toMatch(/powershell\.exe ×1.*greedy/);
    expect(rows[1]).toContain('dead');
    expect(rows[2]).toContain('off');
  });
});

describe('<WhatIfPanel>', () => {
  it('previews a draft against the current rule before applying it', async () => {
    const asked: TuningInput[] = [];
    const client = {
      explain: (t: TuningInput) => {
        asked.push(t);
        return Promise.resolve(explainWithoutWmi());
      },
    } as unknown as EngineClient;
    const onApply = vi.fn();
    mounted = await mount(
      createElement(WhatIfPanel, {
        client,
        view: explainFixture(),
        entries: ['WmiPrvSE.exe', 'TiWorker.exe'],
        active: new Set(['WmiPrvSE.exe', 'TiWorker.exe']),
        unknownBoot: 'drop',
        pins: { detected: [], quiet: ['wmi'] },
        stamp: 's1',
        onApply,
      }),
    );
    expect(text(mounted.container)).toContain('Change the draft');
    const box = [...mounted.container.querySelectorAll('input[type="checkbox"]')][0]!;
    await click(box);
    await act(async () => new Promise((r) => setTimeout(r, 0)));
    expect(asked).toEqual([{ allowList: ['TiWorker.exe'], unknownBoot: 'drop' }]);
    const status = text(mounted.container.querySelector('[aria-label="What-if diff"]'));
    expect(status).toContain('Alerts 1 → 2');
    expect(status).toContain('+1 alerts');
    expect(status).toContain('−1 suppressed-but-suspicious');
    expect(status).toMatch(/breaks a pin/);
    expect(onApply).not.toHaveBeenCalled();
    await click([...mounted.container.querySelectorAll('button')].find((b) => b.textContent === 'Apply draft')!);
    expect(onApply).toHaveBeenCalledWith({
      allowList: { entries: ['WmiPrvSE.exe', 'TiWorker.exe'], active: ['TiWorker.exe'] },
      unknownBoot: 'drop',
    });
    expect(mounted.container.querySelector('svg[aria-label="RPC to DCOM gap histogram"] .gap-edges')).not.toBeNull();
  });
});

describe('<PinsPanel>', () => {
  it('shows whether each pin holds and unpins', async () => {
    const onUnpin = vi.fn();
    mounted = await mount(
      createElement(PinsPanel, { view: explainWithoutWmi(), pins: { detected: ['alert-1'], quiet: ['wmi'] }, onUnpin }),
    );
    const items = [...mounted.container.querySelectorAll('.pin-list li')];
    expect(items.map((li) => li.className)).toEqual(['pin-ok', 'pin-bad']);
    await click(items[1]!.querySelector('button'));
    expect(onUnpin).toHaveBeenCalledWith('quiet', 'wmi');
  });
});
