import { useMemo } from 'react';
import type { CandidateView, ExplainView } from '../engine/worker/client';
import { nearMisses, stageText } from './explain-items';
import { plural } from './format';
import { IsoText } from './IsoText';
import { TimeText } from './TimeText';

interface Props {
  readonly view: ExplainView;
  readonly opened: string | null;
  readonly onOpen: (c: CandidateView) => void;
}

const SHOWN = 300;

/** Suppressed candidates sorted by how close they came; a row opens its timeline and tree. */
export function NearMissesTable({ view, opened, onOpen }: Props) {
  const rows = useMemo(() => nearMisses(view), [view]);
  return (
    <div className="near-misses">
      <p className="panel-help">
        {plural(rows.length, 'suppressed chain')}, closest first (smallest measured distance from passing, then the
        later stage). An RPC event and a DCOM start that fail together are one row.
        {rows.length > SHOWN ? ` The first ${SHOWN} are shown.` : ''}
      </p>
      <div className="table-scroll">
        <table className="report-table near-table" aria-label="Near misses">
          <thead>
            <tr>
              <th scope="col">Off by</th>
              <th scope="col">Device</th>
              <th scope="col">Time</th>
              <th scope="col">Candidate</th>
              <th scope="col">Stopped at</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, SHOWN).map(({ candidate: c, spines, keys, offBy }) => (
              <tr key={c.key} className={opened !== null && keys.includes(opened) ? 'near-row selected' : 'near-row'}>
                <td className="num">{offBy || '—'}</td>
                <td className="mono near-device">{c.device}</td>
                <td>{c.iso ? <TimeText iso={c.iso} digits={3} /> : '—'}</td>
                <td>
                  <button type="button" className="link-button mono" onClick={() => onOpen(c)}>
                    {c.label}
                  </button>
                  <span className="spine-tag">{spines.join(' + ')}</span>
                </td>
                <td className="mono near-stage" title={c.failure?.stage ?? ''}>
                  {stageText(c.failure?.stage ?? '', 48)}
                </td>
                <td className="near-detail">
                  <IsoText text={c.failure?.detail ?? ''} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
