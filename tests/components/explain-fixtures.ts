/** A small explanation shaped like the worker's answer: one alert, near misses, a boot drop, a hidden WMI chain. */
import type { CandidateView, ExplainView, FailureView } from '../../src/engine/worker/client';
import { nearMisses } from '../../src/engine/worker/near-misses';

const fail = (
  over: Partial<FailureView> & Pick<FailureView, 'nodeId' | 'stage' | 'predicate' | 'detail'>,
): FailureView => ({
  kind: 'predicate',
  values: [],
  violation: null,
  listEntry: null,
  ...over,
});

const WINDOW = 'where datetime_diff("second", TimestampProcEventExact, TimestampNetwEventExact) between (0 .. 2)';
const BOOT = 'where TimestampProcEvent > LastBootTime+5m';
const ALLOW = 'where DCOMFileName !in~ (allowListedExecs)';

function cand(over: Partial<CandidateView> & Pick<CandidateView, 'key' | 'device' | 'state'>): CandidateView {
  return {
    spine: 'dcomProcEvents',
    table: 'DeviceProcessEvents',
    row: 1,
    iso: '2024-05-01T08:08:45.3000000Z',
    ms: Date.parse('2024-05-01T08:08:45.300Z'),
    label: 'mmc.exe (PID 2300)',
    remoteIp: '10.0.0.5',
    dcomFile: 'mmc.exe',
    gap: 1,
    failure: null,
    alsoFailed: [],
    stageIndex: -1,
    pathRows: [],
    alertKeys: [],
    suspicion: null,
    ...over,
  };
}

export function explainFixture(): ExplainView {
  const candidates: CandidateView[] = [
    cand({ key: 'a1', device: 'WS1', state: 'alert', alertKeys: ['alert-1'] }),
    cand({
      key: 'gap3',
      device: 'WS1',
      state: 'suppressed',
      gap: 3,
      row: 2,
      stageIndex: 1,
      failure: fail({
        nodeId: 17,
        stage: WINDOW,
        predicate: 'datetime_diff("second", …) between (0 .. 2)',
        detail: 'datetime_diff = 3, outside 0 .. 2',
        violation: 1,
      }),
    }),
    cand({
      key: 'boot',
      device: 'WORKSTATION6',
      state: 'suppressed',
      row: 3,
      stageIndex: 0,
      failure: fail({
        nodeId: 16,
        stage: BOOT,
        predicate: 'TimestampProcEvent > LastBootTime+5m',
        detail: 'LastBootTime+5m is null',
      }),
    }),
    cand({
      key: 'boot2',
      device: 'WORKSTATION6',
      state: 'suppressed',
      row: 4,
      stageIndex: 0,
      failure: fail({
        nodeId: 16,
        stage: BOOT,
        predicate: 'TimestampProcEvent > LastBootTime+5m',
        detail: 'LastBootTime+5m is null',
      }),
    }),
    cand({
      key: 'wmi',
      device: 'WS1',
      state: 'suppressed',
      row: 5,
      dcomFile: 'WmiPrvSE.exe',
      label: 'WmiPrvSE.exe (PID 4000)',
      stageIndex: 2,
      failure: fail({
        nodeId: 18,
        stage: ALLOW,
        predicate: 'DCOMFileName !in~ (allowListedExecs)',
        detail: 'DCOMFileName = "WmiPrvSE.exe" is in the list',
        listEntry: 'WmiPrvSE.exe',
      }),
      suspicion: {
        reasons: [
          'allow-listed WmiPrvSE.exe (entry "WmiPrvSE.exe") started powershell.exe',
          'remote IP 10.0.0.5 is rare: 1 of 80 inbound RPC events',
        ],
        children: ['powershell.exe'],
        lolbins: ['powershell.exe'],
        hiddenBy: 'allow-list',
      },
    }),
  ];
  return {
    tuning: { allowList: null, unknownBoot: 'drop' },
    query: 'let x = 1;',
    spines: ['rpcNetwEvents', 'dcomProcEvents'],
    candidates,
    nearMisses: nearMisses(candidates),
    funnel: [
      {
        nodeId: 16,
        stage: BOOT,
        kind: 'predicate',
        suppressed: 2,
        byDevice: [['WORKSTATION6', 2]],
        byPredicate: [['TimestampProcEvent > LastBootTime+5m', 2]],
        boot: true,
      },
      {
        nodeId: 17,
        stage: WINDOW,
        kind: 'predicate',
        suppressed: 1,
        byDevice: [['WS1', 1]],
        byPredicate: [['datetime_diff between', 1]],
        boot: false,
      },
      {
        nodeId: 18,
        stage: ALLOW,
        kind: 'predicate',
        suppressed: 1,
        byDevice: [['WS1', 1]],
        byPredicate: [['DCOMFileName !in~ (allowListedExecs)', 1]],
        boot: false,
      },
    ],
    devices: [
      { device: 'WS1', candidates: 3, alerts: 1, suppressed: 2, noBoot: false, bootDropped: 0 },
      { device: 'WORKSTATION6', candidates: 2, alerts: 0, suppressed: 2, noBoot: true, bootDropped: 2 },
    ],
    allowImpact: [
      {
        entry: 'WmiPrvSE.exe',
        active: true,
        suppressed: 1,
        chains: 1,
        withChildren: 1,
        children: [['powershell.exe', 1]],
        dead: false,
        greedy: true,
      },
      {
        entry: 'TiWorker.exe',
        active: true,
        suppressed: 0,
        chains: 0,
        withChildren: 0,
        children: [],
        dead: true,
        greedy: false,
      },
    ],
    alertKeys: ['alert-1'],
    window: { lo: 0, hi: 2 },
    elapsedMs: 12,
  };
}

/** The same data with WmiPrvSE.exe off the allow-list: the WMI chain is an alert. */
export function explainWithoutWmi(): ExplainView {
  const v = explainFixture();
  const candidates: CandidateView[] = v.candidates.map((c) =>
    c.key === 'wmi'
      ? { ...c, state: 'alert', failure: null, suspicion: null, stageIndex: -1, alertKeys: ['alert-wmi'] }
      : c,
  );
  return {
    ...v,
    tuning: { allowList: ['TiWorker.exe'], unknownBoot: 'drop' },
    candidates,
    nearMisses: nearMisses(candidates),
    alertKeys: ['alert-1', 'alert-wmi'],
  };
}
