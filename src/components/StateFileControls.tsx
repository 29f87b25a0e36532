import { useRef } from 'react';
import { downloadText, stamp } from './download';
import { parseTuningText, stateJson, type TuningState } from './tuning-state';

interface Props {
  readonly state: TuningState;
  readonly onLoad: (state: TuningState, problems: readonly string[]) => void;
}

/** Saves the tuning state as a small JSON file and loads one back (validated as untrusted data). */
export function StateFileControls({ state, onLoad }: Props) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="state-controls">
      <button
        type="button"
        className="button button-small button-quiet"
        onClick={() => downloadText(`dcomlens-state-${stamp()}.json`, [stateJson(state)], 'application/json')}
      >
        Save state
      </button>
      <button type="button" className="button button-small button-quiet" onClick={() => input.current?.click()}>
        Load state
      </button>
      <input
        ref={input}
        type="file"
        accept=".json,application/json"
        hidden
        aria-label="Load tuning state file"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = '';
          if (!file) return;
          if (file.size > 2_000_000) {
            onLoad(state, ['the state file is larger than 2 MB']);
            return;
          }
          void file.text().then((text) => {
            const { state: next, problems } = parseTuningText(text);
            onLoad(next, problems);
          });
        }}
      />
    </div>
  );
}
