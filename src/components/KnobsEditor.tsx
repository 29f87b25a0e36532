import { useId, useMemo, useState } from 'react';
import type { EngineClient, ExplainView, TuningInput } from '../engine/worker/client';
import { GapHistogram } from './GapHistogram';
import type { GapWindow } from './gap-histogram';
import { draftOf, knobsOfDraft, sameKnobs, type KnobDraft, type WrittenKnobs } from './knob-draft';
import type { Pins, StateKnobs } from './tuning-state';
import { ruleKnobs } from './tuning-state';
import { useExplain } from './use-explain';
import { WhatIfResult } from './WhatIfResult';

interface Props {
  readonly client: EngineClient;
  /** The explanation of the rule as applied (baseline of the what-if and the histogram). */
  readonly view: ExplainView | null;
  readonly stamp: string;
  readonly pins: Pins;
  /** The knobs as the rule is written (null fields: the rule lacks that construct). */
  readonly written: WrittenKnobs;
  /** The knobs in force. */
  readonly knobs: StateKnobs | undefined;
  /** The rest of the tuning in force (allow-list, unknown boot), for the draft's what-if. */
  readonly base: Omit<TuningInput, 'knobs'>;
  readonly onApply: (knobs: StateKnobs | undefined) => void;
}

/** Window, boot grace and child exclusions: edited as a draft, previewed, then applied. */
export function KnobsEditor({ client, view, stamp, pins, written, knobs, base, onApply }: Props) {
  const [draft, setDraft] = useState<KnobDraft | null>(null);
  const [newName, setNewName] = useState('');
  const ids = { lo: useId(), hi: useId(), grace: useId(), add: useId() };
  const cur = draft ?? draftOf(written, knobs);
  const parsed = useMemo(() => knobsOfDraft(written, cur), [written, cur]);
  const changed = draft !== null && parsed.problems.length === 0 && !sameKnobs(parsed.knobs, knobs);
  const tuning = useMemo<TuningInput | null>(() => {
    if (!changed) return null;
    const k = ruleKnobs(parsed.knobs);
    return { ...base, ...(Object.keys(k).length > 0 ? { knobs: k } : {}) };
  }, [changed, parsed.knobs, base]);
  const next = useExplain(client, tuning, stamp);
  const edit = (patch: Partial<KnobDraft>): void => setDraft({ ...cur, ...patch });
  const apply = (d: KnobDraft): void => {
    const k = knobsOfDraft(written, d);
    if (k.problems.length > 0) return;
    setDraft(null);
    if (!sameKnobs(k.knobs, knobs)) onApply(k.knobs);
  };
  const ex = cur.exclusions;
  const setEx = (entries: readonly string[], active: readonly string[]): void =>
    edit({ exclusions: { entries, active: entries.filter((e) => active.includes(e)) } });
  const addName = (): void => {
    const name = newName.trim();
    if (name === '' || !ex) return;
    setEx(ex.entries.includes(name) ? ex.entries : [...ex.entries, name], [...ex.active, name]);
    setNewName('');
  };
  const asWritten = (what: string, value: string | null) =>
    value === null ? (
      <p className="panel-help">The rule has no {what}: this knob does not apply.</p>
    ) : (
      <span className="panel-note">as written: {value}</span>
    );

  return (
    <section className="panel knobs-panel" aria-labelledby="knobs-title">
      <h2 id="knobs-title" className="panel-title">
        Knobs <span className="panel-note">the rule&apos;s other constants</span>
      </h2>
      <p className="panel-help">
        Edit a draft and see what it would change before applying it; applying re-runs the rule and the tuned KQL
        carries the new values.
      </p>
      <div className="whatif-grid">
        <fieldset className="whatif-draft knob-fields">
          <legend>Draft (not applied)</legend>
          <div className="knob-row">
            <span className="knob-label">
              Window <code>datetime_diff(&quot;second&quot;, …) between</code>
            </span>
            {cur.window ? (
              <span className="knob-inputs">
                (
                <label htmlFor={ids.lo} className="visually-hidden">
                  Window low bound (seconds)
                </label>
                <input
                  id={ids.lo}
                  className="text-input mono knob-number"
                  type="number"
                  step={1}
                  value={Number.isNaN(cur.window.lo) ? '' : cur.window.lo}
                  onChange={(e) => edit({ window: { lo: e.currentTarget.valueAsNumber, hi: cur.window!.hi } })}
                />
                ..
                <label htmlFor={ids.hi} className="visually-hidden">
                  Window high bound (seconds)
                </label>
                <input
                  id={ids.hi}
                  className="text-input mono knob-number"
                  type="number"
                  step={1}
                  value={Number.isNaN(cur.window.hi) ? '' : cur.window.hi}
                  onChange={(e) => edit({ window: { lo: cur.window!.lo, hi: e.currentTarget.valueAsNumber } })}
                />
                )
              </span>
            ) : null}
            {asWritten(
              '`datetime_diff(...) between (lo .. hi)` window',
              written.window ? `${written.window.lo} .. ${written.window.hi}` : null,
            )}
          </div>
          <div className="knob-row">
            <label htmlFor={ids.grace} className="knob-label">
              Boot grace <code>LastBootTime+</code>
            </label>
            {written.bootGraceSeconds !== null && (
              <input
                id={ids.grace}
                className="text-input mono knob-number"
                value={cur.grace}
                placeholder="5m"
                onChange={(e) => edit({ grace: e.currentTarget.value })}
              />
            )}
            {asWritten(
              '`LastBootTime + <timespan>` boot grace',
              written.bootGraceSeconds === null ? null : draftOf(written, undefined).grace,
            )}
          </div>
          <div className="knob-row knob-row-list">
            <span className="knob-label">
              Child exclusions <code>FileName !in~ (…)</code>
            </span>
            {ex && (
              <>
                <ul className="allow-list">
                  {ex.entries.length === 0 && <li className="text-muted">none: every child counts</li>}
                  {ex.entries.map((e) => (
                    <li key={e} className="knob-entry">
                      <label className="check">
                        <input
                          type="checkbox"
                          checked={ex.active.includes(e)}
                          onChange={(ev) =>
                            setEx(
                              ex.entries,
                              ev.currentTarget.checked ? [...ex.active, e] : ex.active.filter((a) => a !== e),
                            )
                          }
                        />
                        <span className="mono">{e}</span>
                      </label>
                      <button
                        type="button"
                        className="button button-small button-quiet"
                        aria-label={`Remove ${e}`}
                        onClick={() =>
                          setEx(
                            ex.entries.filter((x) => x !== e),
                            ex.active.filter((x) => x !== e),
                          )
                        }
                      >
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
                <form
                  className="allow-add"
                  onSubmit={(e) => {
                    e.preventDefault();
                    addName();
                  }}
                >
                  <label htmlFor={ids.add} className="visually-hidden">
                    Add a child exclusion
                  </label>
                  <input
                    id={ids.add}
                    className="text-input mono"
                    value={newName}
                    placeholder="name.exe"
                    onChange={(e) => setNewName(e.currentTarget.value)}
                  />
                  <button type="submit" className="button button-small" disabled={newName.trim() === ''}>
                    Add
                  </button>
                </form>
              </>
            )}
            {asWritten(
              '`FileName !in~ (...)` child exclusions',
              written.childExclusions ? written.childExclusions.join(', ') || 'none' : null,
            )}
          </div>
          {parsed.problems.length > 0 && (
            <ul className="text-warn knob-problems" role="alert">
              {parsed.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
        </fieldset>
        {view ? (
          <WhatIfResult
            view={view}
            next={changed ? next : null}
            pins={pins}
            label="Knob what-if diff"
            idle="Change a knob, or drag a window edge, to see what it would do before applying it."
            onApply={() => apply(cur)}
            onDiscard={() => setDraft(null)}
          />
        ) : (
          <p className="note">Explaining the rule…</p>
        )}
      </div>
      {view && written.window && (
        <>
          <h3 className="section-title">RPC → DCOM gaps</h3>
          <GapHistogram
            view={changed && next.view && !next.loading ? next.view : view}
            window={draft && cur.window && !Number.isNaN(cur.window.lo + cur.window.hi) ? cur.window : null}
            onDraft={(w: GapWindow) => edit({ window: w })}
            onCommit={(w: GapWindow) => apply({ ...cur, window: w })}
            onCancel={() => setDraft(null)}
          />
        </>
      )}
    </section>
  );
}
