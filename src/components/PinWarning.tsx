import { IsoText } from './IsoText';
import type { PendingChange } from './use-pin-guard';

interface Props {
  readonly pending: PendingChange;
  readonly onConfirm: () => void;
  readonly onCancel: () => void;
}

/** Held edit: which pins it would break, and the analyst's choice. */
export function PinWarning({ pending, onConfirm, onCancel }: Props) {
  return (
    <section className="panel pin-warning" role="alertdialog" aria-labelledby="pin-warning-title">
      <h2 id="pin-warning-title" className="panel-title">
        This change would break{' '}
        {pending.broken.length === 1 ? 'a pinned case' : `${pending.broken.length} pinned cases`}
      </h2>
      <ul className="pin-broken">
        {pending.broken.map((p) => (
          <li key={`${p.kind}|${p.key}`}>
            <span className={`pin-tag pin-${p.kind}`}>
              {p.kind === 'detected' ? 'must stay detected' : 'must stay quiet'}
            </span>{' '}
            <span className="mono">
              <IsoText text={p.label} digits={3} />
            </span>
            :{' '}
            <span className="text-warn">
              <IsoText text={p.now} />
            </span>
          </li>
        ))}
      </ul>
      <div className="pin-actions">
        <button type="button" className="button button-small button-primary" onClick={onCancel}>
          Keep the current rule
        </button>
        <button type="button" className="button button-small" onClick={onConfirm}>
          Apply anyway
        </button>
      </div>
    </section>
  );
}
