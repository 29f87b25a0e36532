import { useState } from 'react';
import { isValidZone, zoneName, type DisplayZone } from './zone';

interface Props {
  readonly zone: DisplayZone;
  readonly onZone: (zone: DisplayZone) => void;
}

const SUGGESTED = [
  'Europe/London',
  'Europe/Berlin',
  'America/New_York',
  'America/Los_Angeles',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
];

/** The one display-zone switch: UTC, the browser's zone, or a named IANA zone. */
export function ZoneSwitch({ zone, onZone }: Props) {
  const kind = zone === 'UTC' || zone === 'local' ? zone : 'named';
  const [draft, setDraft] = useState(kind === 'named' ? zone : '');
  const [naming, setNaming] = useState(false);
  const valid = isValidZone(draft.trim());
  const apply = (): void => {
    if (valid && draft.trim() !== '') onZone(draft.trim());
  };
  return (
    <div className="zone-switch">
      <label className="zone-label" htmlFor="zone-select">
        Times in
      </label>
      <select
        id="zone-select"
        aria-label="Display time zone"
        value={naming ? 'named' : kind}
        onChange={(e) => {
          const v = e.target.value;
          setNaming(v === 'named');
          if (v !== 'named') onZone(v);
        }}
      >
        <option value="UTC">UTC</option>
        <option value="local">{zoneName('local')}</option>
        <option value="named">{kind === 'named' ? zone : 'Named zone…'}</option>
      </select>
      {(naming || kind === 'named') && (
        <form
          className="zone-form"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
            setNaming(false);
          }}
        >
          <input
            aria-label="IANA time zone"
            list="zone-suggestions"
            placeholder="Europe/Berlin"
            value={draft}
            aria-invalid={draft !== '' && !valid}
            onChange={(e) => setDraft(e.target.value)}
          />
          <datalist id="zone-suggestions">
            {SUGGESTED.map((z) => (
              <option key={z} value={z} />
            ))}
          </datalist>
          <button type="submit" className="button button-small" disabled={!valid || draft.trim() === ''}>
            Apply
          </button>
        </form>
      )}
    </div>
  );
}
