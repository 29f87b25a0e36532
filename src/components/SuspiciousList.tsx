import { useMemo } from 'react';
import type { CandidateView, ExplainView } from '../engine/worker/client';
import { suspiciousChains } from './explain-items';
import { plural } from './format';
import { TimeText } from './TimeText';

interface Props {
  readonly view: ExplainView;
  readonly onOpen: (c: CandidateView) => void;
}

/** Chains the allow-list or the child exclusion hides that still look like an attack, each with its reason. */
export function SuspiciousList({ view, onOpen }: Props) {
  const items = useMemo(() => suspiciousChains(view), [view]);
  return (
    <div className="suspicious">
      <p className="panel-help">
        The rule calls its allow-list &quot;a huge gap for bypass&quot;: {plural(items.length, 'hidden chain')} still{' '}
        {items.length === 1 ? 'looks' : 'look'} like an attack.
      </p>
      {items.length === 0 && (
        <p className="note">Nothing the allow-list or the child exclusion hides looks suspicious.</p>
      )}
      <ul className="suspicious-list" aria-label="Suppressed but suspicious">
        {items.map((c) => (
          <li key={c.key} className="suspicious-item">
            <div className="suspicious-head">
              <span className={`pin-tag ${c.suspicion!.hiddenBy === 'allow-list' ? 'hidden-allow' : 'hidden-excl'}`}>
                {c.suspicion!.hiddenBy === 'allow-list'
                  ? `allow-list: ${c.failure?.listEntry ?? ''}`
                  : `excluded child: ${c.failure?.listEntry ?? ''}`}
              </span>
              <button type="button" className="link-button mono" onClick={() => onOpen(c)}>
                {c.dcomFile ?? c.label} on {c.device}
              </button>
              {c.iso && <TimeText iso={c.iso} digits={3} />}
              {c.remoteIp && <span className="mono text-muted">from {c.remoteIp}</span>}
            </div>
            <p className="suspicious-reason">{c.suspicion!.reasons[0]}</p>
            {c.suspicion!.reasons.slice(1).map((r) => (
              <p key={r} className="suspicious-more">
                {r}
              </p>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}
