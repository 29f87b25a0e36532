import { readinessAppliesTo, type ReadinessView } from '../engine/worker/client';
import type { FileJob } from './file-job';
import { formatBytes, formatCount, plural } from './format';
import { TimeText } from './TimeText';

interface Props {
  readonly jobs: readonly FileJob[];
  /** Which rule stages can run with every file loaded (from the engine's last ingest), or null. */
  readonly readiness?: ReadinessView | null;
}

type Note = ReadinessView['notes'][number];

/**
 * What every loaded file became: table, rows loaded and rejected (with the first reasons), span,
 * devices, and which rule stages can run with what was loaded, under each file it concerns.
 */
export function IngestReportPanel({ jobs, readiness = null }: Props) {
  const finished = jobs.filter((j) => j.status !== 'fetching' && j.status !== 'reading');
  if (finished.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="ingest-title">
      <h2 id="ingest-title" className="panel-title">
        Loaded files
      </h2>
      <table className="report-table" aria-labelledby="ingest-title">
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Table</th>
            <th scope="col">Format</th>
            <th scope="col" className="num">
              Loaded
            </th>
            <th scope="col" className="num">
              Rejected
            </th>
            <th scope="col">Time range</th>
            <th scope="col" className="num">
              Devices
            </th>
          </tr>
        </thead>
        <tbody>
          {finished.map((j) => (
            <ReportRows
              key={j.key}
              job={j}
              notes={
                j.report && j.report.fatal === null
                  ? (readiness?.notes ?? []).filter((n) => readinessAppliesTo(n.files, j.name))
                  : []
              }
            />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ReportRows({ job, notes: stages }: { readonly job: FileJob; readonly notes: readonly Note[] }) {
  const r = job.report;
  if (!r) {
    return (
      <tr className="report-row">
        <th scope="row" className="file-name">
          {job.name}
        </th>
        <td colSpan={6} className={job.status === 'failed' ? 'text-error' : 'text-muted'}>
          {job.status === 'cancelled' ? 'cancelled' : (job.error ?? 'failed')}
        </td>
      </tr>
    );
  }
  const notes = [
    ...(r.fatal ? [] : r.warnings),
    ...(r.recognised || r.fatal
      ? []
      : ['not recognised as a Defender DeviceNetworkEvents / DeviceProcessEvents export']),
  ];
  const hasDetails =
    r.fatal !== null || r.rejects.length > 0 || notes.length > 0 || r.columnsMissing.length > 0 || stages.length > 0;
  return (
    <>
      <tr className="report-row">
        <th
          scope="row"
          className="file-name"
          title={`${formatBytes(r.bytes)}${r.partsInParallel > 0 ? `, read in ${r.partsInParallel + 1} parts at once` : ''}`}
        >
          {r.file}
        </th>
        <td className="mono">{r.recognised ?? <span className="text-warn">{r.table}</span>}</td>
        <td>{r.format.toUpperCase()}</td>
        <td className="num">{formatCount(r.rowsLoaded)}</td>
        <td className={`num${r.rowsRejected > 0 ? ' text-warn' : ''}`}>{formatCount(r.rowsRejected)}</td>
        <td className="time-range">
          {r.timeFrom && r.timeTo ? (
            <>
              <TimeText iso={r.timeFrom} /> – <TimeText iso={r.timeTo} />
            </>
          ) : (
            '—'
          )}
        </td>
        <td className="num">{r.devices === null ? '—' : formatCount(r.devices)}</td>
      </tr>
      {hasDetails && (
        <tr className="report-details">
          <td colSpan={7}>
            {r.fatal !== null && <p className="text-error">{r.fatal}</p>}
            {notes.map((w, i) => (
              <p key={i} className="text-muted">
                {w}
              </p>
            ))}
            {stages.length > 0 && (
              <div className="readiness" aria-label={`Rule stages with ${r.file}`}>
                <p className="text-muted">What the rule can run with everything loaded:</p>
                <ul className="readiness-list">
                  {stages.map((n, i) => (
                    <li key={i} className={n.level === 'warn' ? 'text-warn' : 'text-muted'} data-level={n.level}>
                      {n.text}
                    </li>
                  ))}
                </ul>
              </div>
            )}
            {r.columnsMissing.length > 0 && (
              <p className="text-muted">
                Missing columns: <span className="mono">{r.columnsMissing.join(', ')}</span>
              </p>
            )}
            {r.rejects.length > 0 && (
              <details open={r.rejects.length <= 3}>
                <summary>
                  {plural(r.rowsRejected, 'rejected row')}
                  {r.rowsRejected > r.rejects.length ? ` (first ${r.rejects.length} shown)` : ''}
                </summary>
                <ol className="reject-list">
                  {r.rejects.map((x, i) => (
                    <li key={i}>
                      <span className="mono reject-pos">
                        line {x.line}
                        {x.position !== null ? `:${x.position}` : ''}
                        {x.column !== null ? ` ${x.column}` : ''}
                      </span>
                      <span className="reject-code">{x.code}</span>
                      <span className="reject-reason">{x.reason}</span>
                    </li>
                  ))}
                </ol>
              </details>
            )}
          </td>
        </tr>
      )}
    </>
  );
}
