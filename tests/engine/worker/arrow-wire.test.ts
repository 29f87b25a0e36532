/**
 * Results cross the worker boundary as Arrow IPC in the transfer list: the codec round-trips every
 * cell exactly (nulls, 100 ns ticks, hostile strings, empty tables), and posting moves the buffers
 * (they are detached on the sending side) rather than copying them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { columnFromValues, type Scalar, type ScalarType } from '../../../src/engine/table/column';
import { makeTable, type Table } from '../../../src/engine/table/table';
import { MAX_DATETIME_TICKS, parseIsoDateTime } from '../../../src/engine/time/ticks';
import {
  decodeObjects,
  decodeResultTable,
  encodeObjects,
  encodeResultTable,
  isWellFormed,
} from '../../../src/engine/worker/arrow-wire';
import type { CandidateView } from '../../../src/engine/worker/explain-protocol';
import type { EngineResponse, EngineWireResponse, TimedEvent } from '../../../src/engine/worker/protocol';
import { alertKeys } from '../../../src/engine/worker/alert-export';
import { ALERT_COLUMNS, alertRows, EngineServer } from '../../../src/engine/worker/server';
import {
  CANDIDATE_SPEC,
  decodeResponse,
  encodeDetection,
  encodeText,
  postWithTransfer,
  TIMED_EVENT_SPEC,
  transferList,
} from '../../../src/engine/worker/wire';

const SAMPLES = process.env.DCOMLENS_SAMPLES_DIR ?? join(__dirname, '../../../public/samples');

/** Strings that break naive encoders: markup, formulas, controls, RTL, astral and lone surrogates. */
const HOSTILE = [
  '',
  '<img src=x onerror=alert(1)>',
  '=HYPERLINK("http://evil","x")',
  '\u0000nul\u0001\u007f',
  'tab\tcr\rlf\n"quote"',
  '\u202eexe.txt',
  '𝒳 emoji 🧪 ZWJ 👩‍💻',
  'lone high \ud800 here',
  'lone low \udc00',
  '\udfff\ud83d',
  '{"json":"looking"}',
  'x'.repeat(70_000),
];

const TYPES: readonly ScalarType[] = ['string', 'bool', 'int', 'long', 'real', 'datetime', 'timespan', 'dynamic'];

function table(columns: readonly { name: string; type: ScalarType; values: readonly Scalar[] }[]): Table {
  return makeTable(
    'T',
    columns.map((c) => ({ name: c.name, type: c.type })),
    columns.map((c) => columnFromValues(c.type, c.values)),
  );
}

/** The cells as the JSON path (before Arrow) gave them: the reference for the round trip. */
function viaJson(t: Table, leading: readonly string[] = []) {
  const order = [
    ...leading.filter((n) => t.schema.some((c) => c.name === n)),
    ...t.schema.map((c) => c.name).filter((n) => !leading.includes(n)),
  ];
  const reordered = makeTable(
    t.name,
    order.map((n) => t.schema.find((c) => c.name === n)!),
    order.map((n) => t.columns[t.schema.findIndex((c) => c.name === n)]!),
  );
  return alertRows(reordered);
}

const valueOf: Record<ScalarType, fc.Arbitrary<Scalar>> = {
  string: fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...HOSTILE)),
  bool: fc.option(fc.boolean()),
  int: fc.option(fc.integer()),
  long: fc.option(fc.integer({ min: -(2 ** 53 - 1), max: 2 ** 53 - 1 })),
  real: fc.option(fc.double()),
  datetime: fc.option(fc.bigInt({ min: 0n, max: MAX_DATETIME_TICKS })),
  timespan: fc.option(fc.bigInt({ min: -(10n ** 17n), max: 10n ** 17n })),
  dynamic: fc.option(
    fc.oneof(
      fc.array(fc.string({ unit: 'binary', maxLength: 8 }), { maxLength: 4 }),
      fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof(fc.integer(), fc.string())),
      fc.string({ unit: 'binary', maxLength: 8 }),
    ),
  ),
};

describe('result tables as Arrow IPC', () => {
  it('round-trips every engine type with nulls exactly as the JSON path gave them (property)', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 0, max: 8 })
          .chain((rows) =>
            fc.tuple(...TYPES.map((type) => fc.array(valueOf[type], { minLength: rows, maxLength: rows }))),
          ),
        (columns) => {
          const t = table(TYPES.map((type, i) => ({ name: `c_${type}`, type, values: columns[i]! })));
          const decoded = decodeResultTable(encodeResultTable(t, ['c_datetime']));
          const want = viaJson(t, ['c_datetime']);
          expect(decoded.columns).toEqual(want.columns);
          expect(decoded.rows).toEqual(want.rows);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('carries datetimes as Int64 100 ns ticks, exact from year 1 to 9999', () => {
    const iso = (text: string) => parseIsoDateTime(text)!;
    const ticks = [
      0n,
      1n,
      iso('2024-05-01T08:08:44.9000001Z'),
      iso('2024-05-01T08:08:44.9999999Z'),
      MAX_DATETIME_TICKS,
      null,
    ];
    // Beyond 2^53: a JS number could not hold these ticks exactly.
    expect(ticks[2]! > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    const t = table([{ name: 'Ts', type: 'datetime', values: ticks }]);
    const payload = encodeResultTable(t, []);
    const raw = tableFromIPC(payload.arrow);
    expect(String(raw.schema.fields[0]!.type)).toBe('Int64');
    expect(Array.from(raw.getChild('Ts')!)).toEqual(ticks);
    const rows = decodeResultTable(payload).rows;
    expect(rows.map((r) => r[0])).toEqual([
      '0001-01-01T00:00:00.0000000Z',
      '0001-01-01T00:00:00.0000001Z',
      '2024-05-01T08:08:44.9000001Z',
      '2024-05-01T08:08:44.9999999Z',
      '9999-12-31T23:59:59.9999999Z',
      null,
    ]);
    for (let i = 0; i < 5; i++) expect(parseIsoDateTime(rows[i]![0] as string)).toBe(ticks[i]);
  });

  it('keeps hostile strings exactly, unpaired surrogates included', () => {
    const t = table([
      { name: 'S', type: 'string', values: HOSTILE },
      { name: 'Ok', type: 'string', values: HOSTILE.map((_, i) => `row ${i}`) },
    ]);
    const payload = encodeResultTable(t, []);
    expect(decodeResultTable(payload).rows.map((r) => r[0])).toEqual(HOSTILE);
    // Only the column that needs it falls back to JSON text; well-formed ones stay plain Utf8.
    const fields = tableFromIPC(payload.arrow).schema.fields;
    expect(fields[0]!.metadata.get('dcomlens.encoding')).toBe('json');
    expect(fields[1]!.metadata.get('dcomlens.encoding')).toBeUndefined();
    expect(HOSTILE.filter((s) => !isWellFormed(s))).toHaveLength(3);
  });

  it('isWellFormed is exactly "survives UTF-8" (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 10 }), fc.string({ unit: 'binary-ascii' })), (s) => {
        const back = new TextDecoder().decode(new TextEncoder().encode(s));
        expect(isWellFormed(s)).toBe(back === s);
      }),
      { numRuns: 500 },
    );
  });

  it('ASCII, non-ASCII and mixed text columns (the one-encode path and the per-string one) round-trip', () => {
    const ascii = ['', 'a', 'WmiPrvSE.exe', 'cmd /c "x|y"', '\u0000\u007f'];
    const mixed = ['a', 'é', '𝒳', '', 'zz'];
    const t = table([
      { name: 'A', type: 'string', values: ascii },
      { name: 'M', type: 'string', values: mixed },
      { name: 'D', type: 'dynamic', values: [['b', 'a'], null, ['é'], [], 'x'] },
      { name: 'N', type: 'long', values: [1, null, -0, 2 ** 53 - 1, null] },
      { name: 'B', type: 'bool', values: [true, false, null, true, null] },
      { name: 'T', type: 'timespan', values: [null, -1n, 0n, 10n ** 17n, null] },
    ]);
    const decoded = decodeResultTable(encodeResultTable(t, []));
    expect(decoded.rows).toEqual(viaJson(t).rows);
    expect(decoded.rows.map((r) => r[0])).toEqual(ascii);
    expect(decoded.rows.map((r) => r[1])).toEqual(mixed);
  });

  it('sends string and dynamic columns as dictionaries of the distinct values the rows use', () => {
    const strings = ['WmiPrvSE.exe', 'mmc.exe', 'WmiPrvSE.exe', '', 'mmc.exe', 'é 𝒳', 'WmiPrvSE.exe', '<b>x</b>'];
    const dyn = [['a'], null, ['a'], { k: 1 }, ['a'], null, { k: 1 }, 'x'];
    const t = table([
      { name: 'S', type: 'string', values: strings },
      { name: 'D', type: 'dynamic', values: dyn },
    ]);
    const payload = encodeResultTable(t, []);
    const raw = tableFromIPC(payload.arrow);
    for (const name of ['S', 'D']) {
      const f = raw.schema.fields.find((x) => x.name === name)!;
      expect(String(f.type)).toBe('Dictionary<Int32, Utf8>');
    }
    // Each distinct value crosses once.
    expect(raw.getChild('S')!.data[0]!.dictionary!.length).toBe(new Set(strings).size);
    expect(raw.getChild('D')!.data[0]!.dictionary!.length).toBe(3);
    expect(raw.getChild('D')!.nullCount).toBe(2);
    const decoded = decodeResultTable(payload);
    expect(decoded.rows).toEqual(viaJson(t).rows);
    expect(decoded.rows.map((r) => r[0])).toEqual(strings);
  });

  it('parses each distinct dynamic value once: rows holding it share one read-only value', () => {
    const t = table([{ name: 'D', type: 'dynamic', values: [['a', 'b'], ['c'], ['a', 'b'], null] }]);
    const rows = decodeResultTable(encodeResultTable(t, [])).rows;
    expect(rows.map((r) => r[0])).toEqual([['a', 'b'], ['c'], ['a', 'b'], null]);
    expect(rows[0]![0]).toBe(rows[2]![0]);
    expect(Object.isFrozen(rows[0]![0])).toBe(true);
    expect(() => (rows[0]![0] as string[]).push('x')).toThrow(TypeError);
  });

  it('a string column sends only the dictionary entries its rows use (sliced, taken, duplicate entries)', () => {
    // An engine column whose dictionary is far larger than the result (as after a filter over a
    // loaded table), with two codes for one text and entries no row uses.
    const dict = ['unused 0', 'dup', 'unused 2', 'dup', 'kept', ...Array.from({ length: 1000 }, (_, i) => `u${i}`)];
    const codes = Int32Array.from([4, 1, 3, 4, 1]);
    const t = makeTable('T', [{ name: 'S', type: 'string' }], [{ type: 'string', length: codes.length, codes, dict }]);
    const payload = encodeResultTable(t, []);
    const entries = tableFromIPC(payload.arrow).getChild('S')!.data[0]!.dictionary!;
    expect(entries.length).toBeLessThanOrEqual(3);
    expect(decodeResultTable(payload).rows.map((r) => r[0])).toEqual(['kept', 'dup', 'dup', 'kept', 'dup']);
  });

  it('hostile strings repeated across rows round-trip through the dictionary (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ unit: 'binary', maxLength: 6 })), {
          maxLength: 30,
        }),
        (values) => {
          const t = table([
            { name: 'S', type: 'string', values },
            { name: 'D', type: 'dynamic', values: values.map((v, i) => (i % 3 === 0 ? null : [v])) },
          ]);
          const decoded = decodeResultTable(encodeResultTable(t, []));
          expect(decoded.rows).toEqual(viaJson(t).rows);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('sends an empty result with its columns and types', () => {
    const t = table(TYPES.map((type) => ({ name: `c_${type}`, type, values: [] })));
    const payload = encodeResultTable(t, ALERT_COLUMNS);
    expect(payload.rows).toBe(0);
    const decoded = decodeResultTable(payload);
    expect(decoded.columns).toEqual(TYPES.map((type) => ({ name: `c_${type}`, type })));
    expect(decoded.rows).toEqual([]);
  });

  it('never compiles code: no `new Function` (the CSP forbids eval) while encoding or decoding', () => {
    const real = globalThis.Function;
    const compiled: string[] = [];
    globalThis.Function = new Proxy(real, {
      construct(target, args: string[]) {
        compiled.push(args.join(' | '));
        return Reflect.construct(target, args) as object;
      },
      apply(target, self, args: string[]) {
        compiled.push(args.join(' | '));
        return Reflect.apply(target, self, args) as unknown;
      },
    });
    try {
      const t = table(TYPES.map((type) => ({ name: type, type, values: [null, null] })));
      const decoded = decodeResultTable(encodeResultTable(t, []));
      expect(decoded.rows).toHaveLength(2);
      const events = decodeObjects(
        encodeObjects(
          [{ iso: 'x', ms: 1, label: null as unknown as string, detail: 'd', record: null as never }],
          TIMED_EVENT_SPEC,
        ),
      );
      expect(events[0]!.label).toBeNull();
    } finally {
      globalThis.Function = real;
    }
    expect(compiled).toEqual([]);
  });

  it('puts the leading columns first, the rest in table order', () => {
    const t = table([
      { name: 'b', type: 'long', values: [1] },
      { name: 'a', type: 'string', values: ['x'] },
      { name: 'c', type: 'bool', values: [true] },
    ]);
    const decoded = decodeResultTable(encodeResultTable(t, ['c', 'missing', 'a']));
    expect(decoded.columns.map((c) => c.name)).toEqual(['c', 'a', 'b']);
    expect(decoded.rows).toEqual([[true, 'x', 1]]);
  });
});

const candidate = (over: Partial<CandidateView>): CandidateView => ({
  key: 'k',
  spine: 'DeviceNetworkEvents',
  table: 'DeviceNetworkEvents',
  row: 0,
  device: 'ws-1',
  iso: null,
  ms: null,
  label: 'RPC',
  remoteIp: null,
  dcomFile: null,
  gap: null,
  state: 'suppressed',
  failure: null,
  alsoFailed: [],
  stageIndex: 0,
  pathRows: [],
  alertKeys: [],
  suspicion: null,
  ...over,
});

describe('alert keys', () => {
  const KEY_TYPES: readonly ScalarType[] = ['string', 'long', 'int', 'real', 'bool', 'datetime', 'timespan', 'dynamic'];
  const VIEW = {
    stages: [],
    explain: '',
    allowList: [],
    diff: null,
    elapsedMs: 1,
    now: '2024-05-01T00:00:00.0000000Z',
    unknownBoot: 'drop' as const,
    knobs: {},
    query: '',
  };

  // Dynamic values as the engine holds them (from JSON text: plain objects, never null-prototype ones).
  const keyValueOf = (type: ScalarType): fc.Arbitrary<Scalar> =>
    type === 'dynamic' ? valueOf.dynamic.map((v) => JSON.parse(JSON.stringify(v)) as Scalar) : valueOf[type];

  it("the page makes exactly the worker's keys from the cells, or receives them (property)", () => {
    const names = ['DeviceId', 'TimestampNetwEventExact', 'TimestampProcEventExact', 'InitiatingProcessId'];
    fc.assert(
      fc.property(
        fc.tuple(
          fc.integer({ min: 0, max: 6 }),
          fc.tuple(...names.map(() => fc.constantFrom(...KEY_TYPES))),
          fc.subarray(names),
        ),
        ([rows, types, present]) =>
          fc.assert(
            fc.property(
              fc.tuple(
                ...types.map((type) => fc.array(keyValueOf(type), { minLength: rows, maxLength: rows })),
                fc.array(valueOf.string, { minLength: rows, maxLength: rows }),
              ),
              (columns) => {
                const cols = names
                  .map((name, i) => ({ name, type: types[i]!, values: columns[i]! }))
                  .filter((c) => present.includes(c.name));
                const t = table([...cols, { name: 'Other', type: 'string', values: columns[4]! }]);
                let built = 0;
                const wire = encodeDetection(VIEW, t, ALERT_COLUMNS, () => {
                  built++;
                  return alertKeys(t);
                });
                const raw = new Set(['string', 'int', 'long', 'real', 'bool']);
                const onPage = cols.every(
                  (c) =>
                    raw.has(c.type) || c.name === 'TimestampNetwEventExact' || c.name === 'TimestampProcEventExact',
                );
                expect(wire.keys === null).toBe(onPage);
                expect(built).toBe(onPage ? 0 : 1);
                const res = decodeResponse({ kind: 'detected', id: 1, detection: wire });
                if (res.kind !== 'detected') throw new Error('wrong kind');
                expect(res.detection.keys).toEqual(alertKeys(t));
              },
            ),
            { numRuns: 5 },
          ),
      ),
      { numRuns: 60 },
    );
  });
});

describe('view objects as Arrow IPC', () => {
  it('round-trips candidates with nulls, nested values and hostile strings', () => {
    const list: CandidateView[] = HOSTILE.map((s, i) =>
      candidate({
        key: `k${i}${s}`,
        device: s,
        row: i,
        iso: i % 2 ? null : '2024-05-01T08:08:44.9000000Z',
        ms: i % 2 ? null : 1714550924900.0002,
        remoteIp: i % 3 ? s : null,
        gap: i % 2 ? null : i - 3,
        state: i % 2 ? 'alert' : 'suppressed',
        failure:
          i % 2
            ? null
            : {
                nodeId: i,
                stage: `where ${s}`,
                kind: 'predicate',
                predicate: s,
                detail: s,
                values: [{ expr: 'FileName', value: s }],
                violation: i % 4 ? null : 1.5,
                listEntry: null,
              },
        pathRows: [{ table: 'DeviceProcessEvents', rows: [i, i + 1] }],
        alertKeys: [s],
      }),
    );
    const back = decodeObjects(encodeObjects(list, CANDIDATE_SPEC));
    expect(back).toEqual(list);
  });

  it('round-trips random timed events (property) and an empty list', () => {
    const event = fc.record({
      iso: fc.string({ unit: 'binary', maxLength: 10 }),
      ms: fc.double({ noNaN: true }),
      label: fc.string({ unit: 'binary', maxLength: 10 }),
      detail: fc.constantFrom(...HOSTILE),
      record: fc.record({
        table: fc.string(),
        row: fc.nat(),
        fields: fc.array(fc.tuple(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.constant(null))), {
          maxLength: 3,
        }),
      }),
    });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 6 }), (events) => {
        const list = events as unknown as TimedEvent[];
        // -0 and 0 are the same event time; JSON (the old path) made them equal too.
        expect(decodeObjects(encodeObjects(list, TIMED_EVENT_SPEC))).toEqual(list);
      }),
      { numRuns: 100 },
    );
    const empty = encodeObjects([] as TimedEvent[], TIMED_EVENT_SPEC);
    expect(empty.rows).toBe(0);
    expect(decodeObjects(empty)).toEqual([]);
    expect(tableFromIPC(empty.arrow).schema.fields.map((f) => f.name)).toEqual(Object.keys(TIMED_EVENT_SPEC));
  });
});

/** Posts `wire` through a real MessageChannel and returns what the other side received. */
async function throughChannel(wire: EngineWireResponse): Promise<EngineWireResponse> {
  const { port1, port2 } = new MessageChannel();
  try {
    const got = new Promise<EngineWireResponse>((resolve) => {
      port2.onmessage = (e: MessageEvent<EngineWireResponse>) => resolve(e.data);
    });
    postWithTransfer(port1, wire);
    return await got;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('the transfer list', () => {
  it('moves the alert buffers: detached after posting, decoded intact on the other side', async () => {
    const posted: EngineWireResponse[] = [];
    const server = new EngineServer((m) => posted.push(m));
    let id = 1;
    for (const name of ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'])
      await server.handle({ kind: 'ingest', id: id++, name, file: new Blob([readFileSync(join(SAMPLES, name))]) });
    await server.handle({ kind: 'detect', id: id, allowList: null });
    const wire = posted.find((m) => m.id === id)!;
    if (wire.kind !== 'detected') throw new Error(`detect answered ${wire.kind}`);
    // What the UI would have read without the wire, to compare with after the move.
    const before = decodeResponse(wire) as Extract<EngineResponse, { kind: 'detected' }>;
    const rows = before.detection.rows.map((r) => [...r]);
    const keys = [...before.detection.keys];
    expect(rows.length).toBeGreaterThan(0);

    const alerts = wire.detection.alerts.arrow;
    const size = alerts.byteLength;
    // The rule's key columns are strings, times and a number: the page makes the keys from the cells.
    expect(wire.detection.keys).toBeNull();
    expect(transferList(wire)).toEqual([alerts.buffer]);
    const received = await throughChannel(wire);
    // Transferred, not copied: the sender's views are now empty (their buffers detached).
    expect(alerts.byteLength).toBe(0);
    expect(alerts.buffer.byteLength).toBe(0);
    if (received.kind !== 'detected') throw new Error('wrong kind');
    expect(received.detection.alerts.arrow.byteLength).toBe(size);
    const after = decodeResponse(received) as Extract<EngineResponse, { kind: 'detected' }>;
    expect(after.detection.rows).toEqual(rows);
    expect(after.detection.keys).toEqual(keys);
    expect(after.detection.columns.slice(0, ALERT_COLUMNS.length).map((c) => c.name)).toEqual([...ALERT_COLUMNS]);
  });

  it('moves exported text and view lists; control messages transfer nothing', async () => {
    const text = 'TimestampNetwEventExact,DCOMCmdLine\r\n2024-05-01T08:08:44.9000000Z,"é ""x"""\r\n';
    const csv: EngineWireResponse = { kind: 'csv', id: 3, bytes: encodeText(text), rows: 1 };
    const received = await throughChannel(csv);
    expect(csv.kind === 'csv' && csv.bytes.byteLength).toBe(0);
    const decoded = decodeResponse(received);
    expect(decoded.kind === 'csv' && decoded.text).toBe(text);

    const events = encodeObjects(
      [{ iso: 'x', ms: 1, label: 'l', detail: 'd', record: { table: 't', row: 0, fields: [] } }],
      TIMED_EVENT_SPEC,
    );
    const ev: EngineWireResponse = { kind: 'events', id: 4, events: { seconds: 5, truncated: false, events } };
    expect(transferList(ev)).toEqual([events.arrow.buffer]);
    const got = decodeResponse(await throughChannel(ev));
    expect(events.arrow.byteLength).toBe(0);
    expect(got.kind === 'events' && got.events.events.map((e) => e.label)).toEqual(['l']);

    expect(transferList({ kind: 'progress', id: 1, bytes: 1, totalBytes: 2, rows: 3 })).toEqual([]);
    expect(transferList({ kind: 'cleared', id: 2 })).toEqual([]);
  });

  it('decodes lazily: nothing is parsed until a view reads the rows', () => {
    const t = table([{ name: 'S', type: 'string', values: ['a', 'b'] }]);
    const payload = encodeResultTable(t, []);
    const wire: EngineWireResponse = {
      kind: 'detected',
      id: 1,
      detection: {
        alerts: payload,
        keys: encodeObjects([{ key: 'k1' }, { key: 'k2' }], { key: 'utf8' }),
        stages: [],
        explain: '',
        allowList: [],
        diff: null,
        elapsedMs: 1,
        now: '2024-05-01T00:00:00.0000000Z',
        unknownBoot: 'drop',
        knobs: {},
        query: '',
      },
    };
    const res = decodeResponse(wire);
    if (res.kind !== 'detected') throw new Error('wrong kind');
    const d = Object.getOwnPropertyDescriptor(res.detection, 'rows')!;
    expect(typeof d.get).toBe('function');
    expect(res.detection.rows).toEqual([['a'], ['b']]);
    expect(res.detection.rows).toBe(res.detection.rows);
    expect(res.detection.keys).toEqual(['k1', 'k2']);
  });
});
