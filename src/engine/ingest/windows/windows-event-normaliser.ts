import { TICKS_PER_SECOND } from '../../time/ticks';
import { RejectLog } from '../ingest-report';
import type { IngestOptions, IngestResult } from '../read-csv-table';
import { buildResults, type FileLedger } from './build-results';
import type { EventBundle, WindowsTable } from './event-bundle';
import { EVTXECMD_MARK, readEventRecord, receivedOffsetSeconds } from './event-record';
import { loadedBundles } from './loaded-bundles';
import { mapEvent, parseUtcTime } from './map-event';
import type { NetEvent, ProcEvent } from './normalised-event';
import { resolveBundles } from './resolve-events';
import { roundOffset } from './resolve-hosts';

export { isWindowsEventRecord } from './event-record';
export { fromEvtxECmdRow } from './from-evtxecmd-row';
export { enrichAcrossFiles } from './enrich-across-files';

function addSample(m: Map<string, Map<number, number>>, host: string, value: number): void {
  let s = m.get(host);
  if (s === undefined) m.set(host, (s = new Map()));
  s.set(value, (s.get(value) ?? 0) + 1);
}

/**
 * Turns Windows event records (Sysmon EID 1/3, Security 4688/5156/5154) of one file into
 * DeviceProcessEvents / DeviceNetworkEvents rows with Defender column names (schemas.md §7).
 * Records are mapped as they arrive; what needs the whole file (UTC offset of NXLog times, the
 * device's own IPs, merging the Sysmon and Security records of one process or connection,
 * enrichment) happens in `finish`. Other events are counted as skipped. Never throws on a record.
 */
export class WindowsEventNormaliser {
  private readonly proc: ProcEvent[] = [];
  private readonly net: NetEvent[] = [];
  private readonly skips = new Map<string, number>();
  private readonly rejects: Record<WindowsTable, RejectLog>;
  private readonly utcSamples = new Map<string, Map<number, number>>();
  private readonly recvSamples = new Map<string, Map<number, number>>();
  private rowsRead = 0;
  private evtxecmd = 0;

  constructor(
    private readonly file: string,
    private readonly opts: IngestOptions = {},
  ) {
    const max = opts.maxRejects ?? 100;
    this.rejects = { DeviceNetworkEvents: new RejectLog(max), DeviceProcessEvents: new RejectLog(max) };
  }

  /** One record; `line` is its 1-based line / record number in the file. */
  add(rec: Record<string, unknown>, line: number): void {
    this.rowsRead++;
    try {
      this.addRecord(rec, line);
    } catch (err) {
      // Defensive: a record shape nobody foresaw is reported, not thrown.
      this.rejects.DeviceProcessEvents.add('missing-field', () => ({
        line,
        code: 'missing-field',
        reason: `record could not be mapped: ${(err as Error).message}`,
      }));
    }
  }

  private addRecord(rec: Record<string, unknown>, line: number): void {
    if (rec[EVTXECMD_MARK] === true) this.evtxecmd++;
    const view = readEventRecord(rec);
    if (view === null) {
      this.skip('not a Windows event record');
      return;
    }
    if (view.timeLocal !== null) {
      // Learn the NXLog collector's UTC offset from the data (OTRF README "Three different clocks").
      // EID 3 UtcTime is skewed by seconds (schemas.md §4); every other Sysmon UtcTime is usable.
      const utc = view.source === 'sysmon' && view.eventId !== 3 ? parseUtcTime(view.field('UtcTime') ?? '') : null;
      if (utc !== null)
        addSample(this.utcSamples, view.host, roundOffset(Number((view.timeLocal - utc) / TICKS_PER_SECOND)));
      else {
        const r = receivedOffsetSeconds(rec);
        if (r !== null) addSample(this.recvSamples, view.host, roundOffset(r));
      }
    }
    const out = mapEvent(view, line);
    switch (out.kind) {
      case 'proc':
        this.proc.push(out.event);
        return;
      case 'net':
        this.net.push(out.event);
        return;
      case 'skip':
        this.skip(out.reason);
        return;
      case 'reject': {
        const table: WindowsTable =
          view.eventId === 1 || view.eventId === 4688 ? 'DeviceProcessEvents' : 'DeviceNetworkEvents';
        this.rejects[table].add(out.code, () => ({
          line,
          code: out.code,
          reason: `line ${line}: ${out.reason}`,
          ...(out.column ? { column: out.column } : {}),
        }));
        return;
      }
    }
  }

  private skip(reason: string): void {
    this.skips.set(reason, (this.skips.get(reason) ?? 0) + 1);
  }

  /** The file's tables and reports (resolved on their own; `enrichAcrossFiles` adds the other files). */
  finish(bytes = 0): IngestResult[] {
    const bundle: EventBundle = {
      file: this.file,
      format: this.evtxecmd > 0 && this.evtxecmd === this.rowsRead ? 'evtx-csv' : 'json',
      bytes,
      proc: this.proc,
      net: this.net,
      utcOffsetSamples: this.utcSamples,
      receivedOffsetSamples: this.recvSamples,
    };
    const ledger: FileLedger = {
      rowsRead: this.rowsRead,
      skipCounts: this.skips,
      rejects: this.rejects,
      opts: this.opts,
    };
    const [resolved] = resolveBundles([bundle]);
    const results = buildResults(resolved!, ledger);
    for (const r of results) loadedBundles.set(r.table, { bundle, ledger });
    return results;
  }
}
