import { useMemo, useState } from 'react';
import type { EngineClient, ExplainView, UnknownBoot } from '../engine/worker/client';
import { whatIfDiff, type DiffItem } from './explain-items';
import { GapHistogram } from './GapHistogram';
import { IsoText } from './IsoText';
import { checkPins } from './pins';
import type { Pins, TuningState } from './tuning-state';
import { tuningInput } from './tuning-state';
import { useExplain } from './use-explain';

interface Props {
  readonly client: EngineClient;
  readonly view: ExplainView;
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly unknownBoot: UnknownBoot;
  readonly pins: Pins;
  readonly stamp: string;
  readonly onApply: (patch: Partial<TuningState>) => void;
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

/** A draft of the allow-list and knob, previewed against the current rule before it is applied. */
export function WhatIfPanel({ client, view, entries, active, unknownBoot, pins, stamp, onApply }: Props) {
  const [draft, setDraft] = useState<{ active: readonly string[]; unknownBoot: UnknownBoot } | null>(null);
  const cur = draft ?? { active: entries.filter((e) => active.has(e)), unknownBoot };
  const changed =
    draft !== null &&
    (draft.unknownBoot !== unknownBoot || draft.active.join('\n') !== entries.filter((e) => active.has(e)).join('\n'));
  const patch: Partial<TuningState> = { allowList: { entries, active: cur.active }, unknownBoot: cur.unknownBoot };
  const next = useExplain(
    client,
    changed ? tuningInput({ allowList: { entries, active: cur.active }, unknownBoot: cur.unknownBoot }) : null,
    stamp,
  );
  const ready = changed && next.view !== null && !next.loading;
  const diff = useMemo(() => (ready && next.view ? whatIfDiff(view, next.view) : null), [ready, next.view, view]);
  const broken = ready && next.view ? checkPins(pins, next.view, [view]).filter((p) => !p.ok) : [];
  const toggle = (e: string, on: boolean): void =>
    setDraft({ ...cur, active: entries.filter((x) => (x === e ? on : cur.active.includes(x))) });
  return (
    <div className="whatif">
      <div className="whatif-grid">
        <fieldset className="whatif-draft">
          <legend>Draft (not applied)</legend>
          <ul className="allow-list">
            {entries.map((e) => (
              <li key={e}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={cur.active.includes(e)}
                    onChange={(ev) => toggle(e, ev.currentTarget.checked)}
                  />
                  <span className="mono">{e}</span>
                </label>
              </li>
            ))}
          </ul>
          <label className="group-by">
            Unknown boot time{' '}
            <select
              aria-label="What-if unknown boot time"
              value={cur.unknownBoot}
              onChange={(e) => setDraft({ ...cur, unknownBoot: e.target.value as UnknownBoot })}
            >
              <option value="drop">drop (as written)</option>
              <option value="keep">keep</option>
            </select>
          </label>
        </fieldset>
        <div className="whatif-result" role="status" aria-live="polite" aria-label="What-if diff">
          {!changed && <p className="note">Change the draft to see what it would do before applying it.</p>}
          {changed && !diff && <p className="note">{next.error ?? 'Explaining the draft…'}</p>}
          {diff && next.view && (
            <>
              <p className="whatif-summary">
                Alerts {view.alertKeys.length} → <strong>{next.view.alertKeys.length}</strong>
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
              <div className="pin-actions">
                <button
                  type="button"
                  className="button button-small button-primary"
                  onClick={() => {
                    onApply(patch);
                    setDraft(null);
                  }}
                >
                  Apply draft
                </button>
                <button type="button" className="button button-small" onClick={() => setDraft(null)}>
                  Discard
                </button>
              </div>
            </>
          )}
        </div>
      </div>
      <h3 className="section-title">RPC → DCOM gaps</h3>
      <GapHistogram view={next.view && changed ? next.view : view} />
    </div>
  );
}
