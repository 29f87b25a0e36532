import { useState } from 'react';
import type { EngineClient, ExplainView, UnknownBoot } from '../engine/worker/client';
import { GapHistogram } from './GapHistogram';
import type { Pins, StateKnobs, TuningState } from './tuning-state';
import { tuningInput } from './tuning-state';
import { useExplain } from './use-explain';
import { WhatIfResult } from './WhatIfResult';

interface Props {
  readonly client: EngineClient;
  readonly view: ExplainView;
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly unknownBoot: UnknownBoot;
  /** The knobs in force (the draft changes only the allow-list and the boot knob). */
  readonly knobs?: StateKnobs;
  readonly pins: Pins;
  readonly stamp: string;
  readonly onApply: (patch: Partial<TuningState>) => void;
}

/** A draft of the allow-list and knob, previewed against the current rule before it is applied. */
export function WhatIfPanel({ client, view, entries, active, unknownBoot, knobs, pins, stamp, onApply }: Props) {
  const [draft, setDraft] = useState<{ active: readonly string[]; unknownBoot: UnknownBoot } | null>(null);
  const cur = draft ?? { active: entries.filter((e) => active.has(e)), unknownBoot };
  const changed =
    draft !== null &&
    (draft.unknownBoot !== unknownBoot || draft.active.join('\n') !== entries.filter((e) => active.has(e)).join('\n'));
  const patch: Partial<TuningState> = { allowList: { entries, active: cur.active }, unknownBoot: cur.unknownBoot };
  const next = useExplain(
    client,
    changed
      ? tuningInput({
          allowList: { entries, active: cur.active },
          unknownBoot: cur.unknownBoot,
          ...(knobs ? { knobs } : {}),
        })
      : null,
    stamp,
  );
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
        <WhatIfResult
          view={view}
          next={changed ? next : null}
          pins={pins}
          label="What-if diff"
          idle="Change the draft to see what it would do before applying it."
          onApply={() => {
            onApply(patch);
            setDraft(null);
          }}
          onDiscard={() => setDraft(null)}
        />
      </div>
      <h3 className="section-title">RPC → DCOM gaps</h3>
      <GapHistogram view={next.view && changed ? next.view : view} />
    </div>
  );
}
