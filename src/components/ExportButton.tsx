import { useState } from 'react';
import type { EngineClient } from '../engine/worker/client';

interface Props {
  readonly client: EngineClient;
  readonly disabled: boolean;
  readonly onError: (message: string) => void;
}

/** Downloads the alerts as CSV (UTF-8 with BOM so spreadsheets read it as UTF-8) via a Blob URL. */
export function ExportButton({ client, disabled, onError }: Props) {
  const [busy, setBusy] = useState(false);
  const download = async (): Promise<void> => {
    setBusy(true);
    try {
      const { text } = await client.exportCsv();
      const url = URL.createObjectURL(new Blob(['\uFEFF', text], { type: 'text/csv;charset=utf-8' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `dcom-alerts-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      // Revoke later: some browsers start reading the URL only after click() returns.
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (err) {
      onError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="button" onClick={() => void download()} disabled={disabled || busy}>
      Export alerts CSV
    </button>
  );
}
