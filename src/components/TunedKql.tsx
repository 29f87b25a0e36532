import { useState } from 'react';
import type { UnknownBoot } from '../engine/worker/client';

interface Props {
  readonly query: string;
  readonly unknownBoot: UnknownBoot;
  readonly onUnknownBoot: (mode: UnknownBoot) => void;
}

/** The rule's KQL with the analyst's edits spliced in, ready to paste into Sentinel / Defender. */
export function TunedKql({ query, unknownBoot, onUnknownBoot }: Props) {
  const [copied, setCopied] = useState<'idle' | 'done' | 'failed'>('idle');
  const copy = async (): Promise<void> => {
    try {
      await navigator.clipboard.writeText(query);
      setCopied('done');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="panel tuned-kql" aria-labelledby="kql-title">
      <div className="results-head">
        <h2 id="kql-title" className="panel-title">
          Tuned KQL <span className="panel-note">the rule as written, with your edits applied</span>
        </h2>
        <span className="spacer" />
        <fieldset className="knob">
          <legend>Unknown boot time</legend>
          {(['drop', 'keep'] as const).map((m) => (
            <label key={m}>
              <input
                type="radio"
                name="unknown-boot"
                value={m}
                checked={unknownBoot === m}
                onChange={() => onUnknownBoot(m)}
              />
              {m === 'drop' ? 'drop (as written)' : 'keep'}
            </label>
          ))}
        </fieldset>
        <button type="button" className="button button-small" onClick={() => void copy()}>
          {copied === 'done' ? 'Copied' : copied === 'failed' ? 'Copy failed: select the text' : 'Copy KQL'}
        </button>
      </div>
      <pre className="kql" aria-label="Tuned KQL text" tabIndex={0}>
        {query}
      </pre>
    </section>
  );
}
