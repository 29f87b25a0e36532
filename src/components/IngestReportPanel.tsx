import type { FileJob } from './file-job';
import { formatBytes, formatCount, plural } from './format';
import { TimeText } from './TimeText';

interface Props {
  readonly jobs: readonly FileJob[];
}

/** What every loaded file became: table, rows loaded and rejected (with the first reasons), span, devices. */
export function IngestReportPanel({ jobs }: Props) {
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
            <ReportRows key={j.key} job={j} />
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ReportRows({ job }: { readonly job: FileJob }) {
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
  const hasDetails = r.fatal !== null || r.rejects.length > 0 || notes.length > 0 || r.columnsMissing.length > 0;
  return (
    <>
      <tr className="report-row">
        <th scope="row" className="file-name" title={`${formatBytes(r.bytes)}`}>
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
