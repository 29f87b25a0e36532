import { useState } from 'react';
import type { EngineClient, Verdict } from '../engine/worker/client';
import { downloadText, stamp } from './download';

const UTF8_BOM = new Uint8Array([0xef, 0xbb, 0xbf]);

interface Props {
  readonly client: EngineClient;
  readonly disabled: boolean;
  readonly verdicts: Readonly<Record<string, Verdict>>;
  readonly onError: (message: string) => void;
}

/**
 * Alerts as CSV (UTF-8 with BOM so spreadsheets read it as UTF-8) or JSON. Cells a spreadsheet
 * would run as a formula (`= + - @`, tab, CR first) get a leading apostrophe unless "Raw values".
 */
export function ExportControls({ client, disabled, verdicts, onError }: Props) {
  const [busy, setBusy] = useState(false);
  const [raw, setRaw] = useState(false);
  const run = async (format: 'csv' | 'json'): Promise<void> => {
    setBusy(true);
    try {
      const options = { raw, verdicts };
      // The engine sends UTF-8 bytes (transferred): they go into the file as they are.
      if (format === 'csv') {
        const { bytes } = await client.exportCsv(options);
        downloadText(`dcom-alerts-${stamp()}.csv`, [UTF8_BOM, bytes], 'text/csv;charset=utf-8');
      } else {
        const { bytes } = await client.exportJson(options);
        downloadText(`dcom-alerts-${stamp()}.json`, [bytes], 'application/json');
      }
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="export-controls">
      <label className="check" title="Off: cells starting with = + - @ get a leading ' so spreadsheets do not run them">
        <input type="checkbox" checked={raw} onChange={(e) => setRaw(e.target.checked)} /> Raw values
      </label>
      <button type="button" className="button" onClick={() => void run('csv')} disabled={disabled || busy}>
        Export alerts CSV
      </button>
      <button
        type="button"
        className="button button-quiet"
        onClick={() => void run('json')}
        disabled={disabled || busy}
      >
        JSON
      </button>
    </div>
  );
}
