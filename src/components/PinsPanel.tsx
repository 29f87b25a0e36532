import type { ExplainView } from '../engine/worker/client';
import { IsoText } from './IsoText';
import { checkPins, pinCount } from './pins';
import type { Pins } from './tuning-state';

interface Props {
  readonly view: ExplainView;
  readonly pins: Pins;
  readonly onUnpin: (kind: 'detected' | 'quiet', key: string) => void;
}

/** The analyst's pinned cases and whether the rule as tuned still honours each. */
export function PinsPanel({ view, pins, onUnpin }: Props) {
  const status = checkPins(pins, view);
  return (
    <div className="pins">
      <p className="panel-help">
        Pin an alert (from its detail) as &quot;must stay detected&quot;, or a suppressed candidate as &quot;must stay
        quiet&quot;. Every allow-list or knob edit re-checks the pins and warns before a change would break one. Pins
        are saved with the tuning state.
      </p>
      {pinCount(pins) === 0 && <p className="note">No pins yet.</p>}
      <ul className="pin-list" aria-label="Pinned cases">
        {status.map((p) => (
          <li key={`${p.kind}|${p.key}`} className={p.ok ? 'pin-ok' : 'pin-bad'}>
            <span className="why-mark" aria-label={p.ok ? 'holds' : 'broken'}>
              {p.ok ? '✓' : '✗'}
            </span>
            <span className={`pin-tag pin-${p.kind}`}>
              {p.kind === 'detected' ? 'must stay detected' : 'must stay quiet'}
            </span>{' '}
            <span className="mono">
              <IsoText text={p.label} digits={3} />
            </span>{' '}
            <span className="text-muted">
              <IsoText text={p.now} />
            </span>{' '}
            <button type="button" className="button button-small button-quiet" onClick={() => onUnpin(p.kind, p.key)}>
              Unpin
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
