import type { StageView } from '../engine/worker/client';
import { formatCount } from './format';

interface Props {
  readonly stages: readonly StageView[];
  readonly elapsedMs: number;
}

/** The executed plan, one operator a line, with the rows each produced in the last run. */
export function StagesPanel({ stages, elapsedMs }: Props) {
  return (
    <section className="panel stages-panel" aria-labelledby="stages-title">
      <h2 id="stages-title" className="panel-title">
        Stages{' '}
        <span className="panel-note">
          rows out of each operator · run took {elapsedMs < 10 ? elapsedMs.toFixed(1) : Math.round(elapsedMs)} ms
        </span>
      </h2>
      <ol className="stage-list">
        {stages.map((s, i) => (
          <li
            key={i}
            className={s.rows === null ? 'stage stage-heading' : 'stage'}
            style={{ paddingLeft: `${s.depth * 14 + 6}px` }}
          >
            <span className="stage-text">{s.text}</span>
            {s.rows !== null && (
              <span className={`stage-rows${s.rows === 0 ? ' stage-zero' : ''}`}>{formatCount(s.rows)}</span>
            )}
          </li>
        ))}
      </ol>
    </section>
  );
}
