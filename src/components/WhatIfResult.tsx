import { useMemo } from 'react';
import type { ExplainView } from '../engine/worker/client';
import { whatIfDiff, type DiffItem } from './explain-items';
import { IsoText } from './IsoText';
import { checkPins } from './pins';
import type { Pins } from './tuning-state';
import type { Explained } from './use-explain';

interface Props {
  /** The rule as applied. */
  readonly view: ExplainView;
  /** The draft's explanation (null: no draft). */
  readonly next: Explained | null;
  readonly pins: Pins;
  readonly label: string;
  readonly idle: string;
  readonly onApply: () => void;
  readonly onDiscard: () => void;
}

function DiffList({
  title,
  items,
  sign,
}: {
  readonly title: string;
  readonly items: readonly DiffItem[];
  readonly sign: '+' | '−';
}) {
  return (
    <div className="whatif-list">
      <h4 className="why-stage-title">
        {sign}
        {items.length} {title}
      </h4>
      <ul>
        {items.slice(0, 12).map((i) => (
          <li key={i.key} className="mono">
            <IsoText text={i.label} digits={3} />
          </li>
        ))}
        {items.length > 12 && <li className="text-muted">and {items.length - 12} more</li>}
      </ul>
    </div>
  );
}

/** A draft's effect before it is applied: alerts and suppressed-but-suspicious items +/−, broken pins. */
export function WhatIfResult({ view, next, pins, label, idle, onApply, onDiscard }: Props) {
  const ready = next !== null && next.view !== null && !next.loading;
  const after = ready ? next.view : null;
  const diff = useMemo(() => (after ? whatIfDiff(view, after) : null), [after, view]);
  const broken = after ? checkPins(pins, after, [view]).filter((p) => !p.ok) : [];
  return (
    <div className="whatif-result" role="status" aria-live="polite" aria-label={label}>
      {next === null && <p className="note">{idle}</p>}
      {next !== null && !diff && <p className="note">{next.error ?? 'Explaining the draft…'}</p>}
      {diff && after && (
        <>
          <p className="whatif-summary">
            Alerts {view.alertKeys.length} → <strong>{after.alertKeys.length}</strong>
          </p>
          {broken.length > 0 && (
            <p className="text-warn whatif-pins">
              ⚠ breaks {broken.length === 1 ? 'a pin' : `${broken.length} pins`}:{' '}
              {broken.map((b) => `${b.label} (${b.now})`).join('; ')}
            </p>
          )}
          <DiffList title="alerts" items={diff.alertsAdded} sign="+" />
          <DiffList title="alerts" items={diff.alertsRemoved} sign="−" />
          <DiffList title="suppressed-but-suspicious" items={diff.suspiciousAdded} sign="+" />
          <DiffList title="suppressed-but-suspicious" items={diff.suspiciousRemoved} sign="−" />
        </>
      )}
      {next !== null && (
        <div className="pin-actions">
          <button type="button" className="button button-small button-primary" onClick={onApply}>
            Apply draft
          </button>
          <button type="button" className="button button-small" onClick={onDiscard}>
            Discard
          </button>
        </div>
      )}
    </div>
  );
}
