import type { AllowImpact, ExplainView } from '../engine/worker/client';
import { formatCount } from './format';

interface Props {
  readonly view: ExplainView;
  /** Every entry offered, and which are on (entries switched off suppress nothing by construction). */
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
}

function off(entry: string): AllowImpact {
  return { entry, active: false, suppressed: 0, chains: 0, withChildren: 0, children: [], dead: false, greedy: false };
}

/** Per allow-list entry: what it hides, whether those chains started processes, dead and greedy entries. */
export function AllowImpactPanel({ view, entries, active }: Props) {
  const by = new Map(view.allowImpact.map((a) => [a.entry.toLowerCase(), a]));
  const rows = entries.map((e) => (active.has(e) ? (by.get(e.toLowerCase()) ?? off(e)) : off(e)));
  return (
    <div className="allow-impact">
      <table className="report-table" aria-label="Allow-list impact">
        <thead>
          <tr>
            <th scope="col">Entry</th>
            <th scope="col" className="num">
              Candidates hidden
            </th>
            <th scope="col" className="num">
              Chains
            </th>
            <th scope="col" className="num">
              With children
            </th>
            <th scope="col">Children started</th>
            <th scope="col">Flag</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((a) => (
            <tr key={a.entry} className={a.greedy ? 'impact-greedy' : a.dead ? 'impact-dead' : ''}>
              <td className="mono">{a.entry}</td>
              <td className="num">{a.active ? formatCount(a.suppressed) : '—'}</td>
              <td className="num">{a.active ? formatCount(a.chains) : '—'}</td>
              <td className="num">{a.active ? formatCount(a.withChildren) : '—'}</td>
              <td className="mono">{a.children.map(([name, n]) => `${name} ×${n}`).join(', ')}</td>
              <td>
                {!a.active ? (
                  <span className="flag flag-off">off</span>
                ) : a.greedy ? (
                  <span className="flag flag-greedy">greedy: hides most of what reaches it</span>
                ) : a.dead ? (
                  <span className="flag flag-dead">dead: hides nothing here</span>
                ) : a.withChildren > 0 ? (
                  <span className="flag flag-kids">hides chains with children</span>
                ) : (
                  ''
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
