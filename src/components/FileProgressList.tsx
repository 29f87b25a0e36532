import type { FileJob } from './file-job';
import { formatBytes, formatCount } from './format';

interface Props {
  readonly jobs: readonly FileJob[];
  readonly onCancel: (key: string) => void;
}

/** Files being fetched or read, with bytes, rows and a Cancel button each. */
export function FileProgressList({ jobs, onCancel }: Props) {
  const active = jobs.filter((j) => j.status === 'fetching' || j.status === 'reading');
  if (active.length === 0) return null;
  return (
    <section className="panel progress-panel" aria-label="Loading files">
      <ul className="progress-list">
        {active.map((j) => (
          <li key={j.key} className="progress-item">
            <span className="file-name">{j.name}</span>
            <progress
              max={j.progress.totalBytes || 1}
              value={j.status === 'fetching' ? undefined : j.progress.bytes}
              aria-label={`Reading ${j.name}`}
            />
            <span className="progress-text">
              {j.status === 'fetching'
                ? 'fetching…'
                : `${formatCount(j.progress.rows)} rows · ${formatBytes(j.progress.bytes)} of ${formatBytes(j.progress.totalBytes)}`}
            </span>
            <button
              type="button"
              className="button button-small"
              onClick={() => onCancel(j.key)}
              aria-label={`Cancel loading ${j.name}`}
            >
              Cancel
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
