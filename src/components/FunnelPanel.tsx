import { useState } from 'react';
import type { ExplainView } from '../engine/worker/client';
import { alertCandidates } from './explain-index';
import { stageText } from './explain-items';
import { formatCount, plural } from './format';

interface Props {
  readonly view: ExplainView;
}

/** Candidates → alerts, and where the rest stopped: per stage and predicate, for all data or one device. */
export function FunnelPanel({ view }: Props) {
  const [device, setDevice] = useState<string>('');
  const dev = device === '' ? null : view.devices.find((d) => d.device === device);
  const candidates = dev ? dev.candidates : view.candidates.length;
  const alerts = dev ? dev.alerts : alertCandidates(view);
  return (
    <div className="funnel" aria-label="Funnel">
      <div className="funnel-head">
        <p className="funnel-total" role="status">
          {plural(candidates, 'candidate')} ({view.spines.join(' + ')}) →{' '}
          <strong>{plural(alerts, 'alert candidate')}</strong>, {formatCount(candidates - alerts)} suppressed
        </p>
        <label className="group-by">
          Device{' '}
          <select value={device} onChange={(e) => setDevice(e.target.value)} aria-label="Funnel for device">
            <option value="">all devices</option>
            {view.devices.map((d) => (
              <option key={d.device} value={d.device}>
                {d.device || '(no device)'} ({d.candidates})
              </option>
            ))}
          </select>
        </label>
      </div>
      <table className="report-table funnel-table">
        <thead>
          <tr>
            <th scope="col">Stage (as written)</th>
            <th scope="col">Failing predicate</th>
            <th scope="col" className="num">
              Suppressed
            </th>
          </tr>
        </thead>
        <tbody>
          {view.funnel.map((f) => {
            const n = dev ? (f.byDevice.find(([d]) => d === device)?.[1] ?? 0) : f.suppressed;
            const preds = dev ? [] : f.byPredicate;
            return (
              <tr key={f.nodeId} className={`${f.boot ? 'funnel-boot' : ''}${n === 0 ? ' funnel-zero' : ''}`}>
                <td className="mono funnel-stage" title={f.stage}>
                  {stageText(f.stage, 90)}
                </td>
                <td className="mono">
                  {preds.length > 1
                    ? preds.map(([p, k]) => (
                        <div key={p}>
                          {stageText(p, 60)}: {formatCount(k)}
                        </div>
                      ))
                    : f.kind === 'no-partner'
                      ? 'no partner row'
                      : stageText(f.byPredicate[0]?.[0] ?? '', 60)}
                </td>
                <td className="num">{formatCount(n)}</td>
              </tr>
            );
          })}
          <tr className="funnel-alerts">
            <td>reached the alerts</td>
            <td />
            <td className="num">{formatCount(alerts)}</td>
          </tr>
        </tbody>
      </table>
    </div>
  );
}
