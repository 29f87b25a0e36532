/**
 * The engine's answers on the wire: encoding of the bulky payloads (engine side), the transfer
 * list that moves their buffers, and decoding (UI side), which is lazy: a payload is turned into
 * view objects the first time a view reads it, and only then.
 */
import type { Table } from '../table/table';
import {
  decodeObjects,
  decodeResultTable,
  encodeObjects,
  encodeResultTable,
  lazyProperty,
  payloadBuffers,
  type ArrowPayload,
  type ObjectSpec,
} from './arrow-wire';
import { alertKeysFromCells, keysFollowFromCells } from './alert-keys';
import type { CandidateView, DeviceFunnel, ExplainView, FailureView } from './explain-protocol';
import type {
  CandidateWireRow,
  DetectionView,
  DetectionWire,
  EngineResponse,
  EngineWireResponse,
  ExplainWire,
  HitDetail,
  HitDetailWire,
  SurroundingEvents,
  SurroundingWire,
  TimedEvent,
  TreeNode,
} from './protocol';

const KEY_SPEC: ObjectSpec<{ readonly key: string }> = { key: 'utf8' };

export const TIMED_EVENT_SPEC: ObjectSpec<TimedEvent> = {
  iso: 'utf8',
  ms: 'f64',
  label: 'utf8',
  detail: 'utf8',
  record: 'json',
};

export const TREE_NODE_SPEC: ObjectSpec<TreeNode> = {
  id: 'utf8',
  parentId: 'utf8?',
  fileName: 'utf8',
  pid: 'f64?',
  iso: 'utf8?',
  ms: 'f64?',
  commandLine: 'utf8',
  role: 'utf8',
  link: 'json',
  inAlert: 'bool',
  pidReuse: 'json',
  record: 'json',
};

export const CANDIDATE_SPEC: ObjectSpec<CandidateView> = {
  key: 'utf8',
  spine: 'utf8',
  table: 'utf8',
  row: 'f64',
  device: 'utf8',
  iso: 'utf8?',
  ms: 'f64?',
  label: 'utf8',
  remoteIp: 'utf8?',
  dcomFile: 'utf8?',
  gap: 'f64?',
  state: 'utf8',
  failure: 'json',
  alsoFailed: 'json',
  stageIndex: 'f64',
  pathRows: 'json',
  alertKeys: 'json',
  suspicion: 'json',
};

export const CANDIDATE_WIRE_SPEC: ObjectSpec<CandidateWireRow> = {
  ...CANDIDATE_SPEC,
  failure: 'f64?',
  alsoFailed: 'json',
};

export const FAILURE_SPEC: ObjectSpec<FailureView> = {
  nodeId: 'f64',
  stage: 'utf8',
  kind: 'utf8',
  predicate: 'utf8',
  detail: 'utf8',
  values: 'json',
  violation: 'f64?',
  listEntry: 'utf8?',
};

export const DEVICE_FUNNEL_SPEC: ObjectSpec<DeviceFunnel> = {
  device: 'utf8',
  candidates: 'f64',
  alerts: 'f64',
  suppressed: 'f64',
  noBoot: 'bool',
  bootDropped: 'f64',
};

function encodeKeys(keys: readonly string[]): ArrowPayload<{ readonly key: string }> {
  return encodeObjects(
    keys.map((key) => ({ key })),
    KEY_SPEC,
  );
}

function decodeKeys(payload: ArrowPayload<{ readonly key: string }>): string[] {
  return decodeObjects(payload).map((k) => k.key);
}

// ---------------------------------------------------------------------------------------------
// Engine side

/**
 * A detection for the wire: `table` (the result, `leading` columns first) and, only when the page
 * cannot make them from the alert cells (alert-keys.ts), its row keys (`keys()`) as Arrow.
 */
export function encodeDetection(
  view: Omit<DetectionView, 'columns' | 'rows' | 'keys'>,
  table: Table,
  leading: readonly string[],
  keys: () => readonly string[],
): DetectionWire {
  const onPage = keysFollowFromCells(table.schema);
  return { ...view, alerts: encodeResultTable(table, leading), keys: onPage ? null : encodeKeys(keys()) };
}

export function encodeHitDetail(detail: HitDetail): HitDetailWire {
  return { ...detail, tree: encodeObjects(detail.tree, TREE_NODE_SPEC) };
}

export function encodeSurrounding(events: SurroundingEvents): SurroundingWire {
  return { ...events, events: encodeObjects(events.events, TIMED_EVENT_SPEC) };
}

export function encodeExplain(view: ExplainView): ExplainWire {
  // Failures by identity: the view shares one object per distinct failure.
  const failures: FailureView[] = [];
  const index = new Map<FailureView, number>();
  const ref = (f: FailureView): number => {
    let i = index.get(f);
    if (i === undefined) {
      index.set(f, (i = failures.length));
      failures.push(f);
    }
    return i;
  };
  const rows: CandidateWireRow[] = view.candidates.map((c) => ({
    ...c,
    failure: c.failure === null ? null : ref(c.failure),
    alsoFailed: c.alsoFailed.map(ref),
  }));
  return {
    ...view,
    candidates: encodeObjects(rows, CANDIDATE_WIRE_SPEC),
    failures: encodeObjects(failures, FAILURE_SPEC),
    devices: encodeObjects(view.devices, DEVICE_FUNNEL_SPEC),
    alertKeys: encodeKeys(view.alertKeys),
  };
}

/** Exported text as UTF-8 bytes in a buffer of their own. */
export function encodeText(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

/** The buffers postMessage must transfer with `res` (empty for control messages). */
export function transferList(res: EngineWireResponse): ArrayBuffer[] {
  switch (res.kind) {
    case 'detected':
      return payloadBuffers([res.detection.alerts, res.detection.keys]);
    case 'csv':
    case 'json':
      return payloadBuffers([res.bytes]);
    case 'hit':
      return payloadBuffers([res.detail.tree]);
    case 'events':
      return payloadBuffers([res.events.events]);
    case 'explained':
      return payloadBuffers([res.view.candidates, res.view.failures, res.view.devices, res.view.alertKeys]);
    default:
      return [];
  }
}

/** Posts `res` with its buffers in the transfer list (they are detached on this side afterwards). */
export function postWithTransfer(
  target: { postMessage(message: unknown, transfer: Transferable[]): void },
  res: EngineWireResponse,
): void {
  target.postMessage(res, transferList(res));
}

// ---------------------------------------------------------------------------------------------
// UI side

function decodeDetection(wire: DetectionWire): DetectionView {
  const { alerts, keys, ...rest } = wire;
  const table = decodeResultTable(alerts);
  const view = { ...rest, columns: table.columns } as Omit<DetectionView, 'rows' | 'keys'> as DetectionView;
  lazyProperty(view, 'rows', () => table.rows);
  lazyProperty(view, 'keys', () => (keys ? decodeKeys(keys) : alertKeysFromCells(table.columns, table.rows)));
  return view;
}

function decodeHitDetail(wire: HitDetailWire): HitDetail {
  const { tree, ...rest } = wire;
  const detail = { ...rest } as HitDetail;
  lazyProperty(detail, 'tree', () => decodeObjects(tree));
  return detail;
}

function decodeSurrounding(wire: SurroundingWire): SurroundingEvents {
  const { events, ...rest } = wire;
  const out = { ...rest } as SurroundingEvents;
  lazyProperty(out, 'events', () => decodeObjects(events));
  return out;
}

function decodeExplain(wire: ExplainWire): ExplainView {
  const { candidates, failures, devices, alertKeys, ...rest } = wire;
  const view = { ...rest } as ExplainView;
  lazyProperty(view, 'candidates', () => {
    const table = decodeObjects(failures);
    const rows = decodeObjects(candidates) as unknown as Record<keyof CandidateView, unknown>[];
    for (const r of rows) {
      const w = r as unknown as CandidateWireRow;
      r.failure = w.failure === null ? null : table[w.failure]!;
      r.alsoFailed = w.alsoFailed.map((i) => table[i]!);
    }
    return rows as unknown as CandidateView[];
  });
  lazyProperty(view, 'devices', () => decodeObjects(devices));
  lazyProperty(view, 'alertKeys', () => decodeKeys(alertKeys));
  return view;
}

function decodeText(res: { readonly bytes: Uint8Array<ArrayBuffer> }): {
  readonly text: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
} {
  const out = { bytes: res.bytes } as { text: string; bytes: Uint8Array<ArrayBuffer> };
  lazyProperty(out, 'text', () => new TextDecoder('utf-8', { ignoreBOM: true }).decode(res.bytes));
  return out;
}

/** What the views read, from what crossed; payloads decode on first read. */
export function decodeResponse(res: EngineWireResponse): EngineResponse {
  switch (res.kind) {
    case 'detected':
      return { kind: res.kind, id: res.id, detection: decodeDetection(res.detection) };
    case 'csv':
    case 'json': {
      const out = { kind: res.kind, id: res.id, rows: res.rows };
      return Object.defineProperties(out, Object.getOwnPropertyDescriptors(decodeText(res))) as EngineResponse;
    }
    case 'hit':
      return { kind: res.kind, id: res.id, detail: decodeHitDetail(res.detail) };
    case 'events':
      return { kind: res.kind, id: res.id, events: decodeSurrounding(res.events) };
    case 'explained':
      return { kind: res.kind, id: res.id, view: decodeExplain(res.view) };
    default:
      return res;
  }
}
