import type { IngestProgress, IngestReportView } from '../engine/worker/client';

/** One file the user asked to load, from fetch / read to its report. */
export interface FileJob {
  readonly key: string;
  readonly name: string;
  readonly status: 'fetching' | 'reading' | 'done' | 'failed' | 'cancelled';
  readonly progress: IngestProgress;
  readonly report: IngestReportView | null;
  readonly error: string | null;
}
