import { useId, useRef } from 'react';

interface Props {
  readonly busy: boolean;
  readonly hasData: boolean;
  readonly onFiles: (files: readonly File[]) => void;
  readonly onSample: () => void;
  readonly onClear: () => void;
}

/** File picker (the accessible twin of the page-wide drop zone), sample data and reset. */
export function LoadControls({ busy, hasData, onFiles, onSample, onClear }: Props) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  return (
    <div className="load-controls">
      <input
        ref={input}
        id={id}
        className="visually-hidden"
        type="file"
        multiple
        accept=".csv,.tsv,.txt,.arrow,.arrows,.feather,text/csv"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          // Reset so picking the same file again fires change again.
          e.currentTarget.value = '';
          if (files.length > 0) onFiles(files);
        }}
      />
      <label htmlFor={id} className="button button-primary">
        Load event files
      </label>
      <button type="button" className="button" onClick={onSample} disabled={busy}>
        Load sample data
      </button>
      {hasData && (
        <button type="button" className="button button-quiet" onClick={onClear} disabled={busy}>
          Clear
        </button>
      )}
      <span className="hint">
        or drop DeviceNetworkEvents / DeviceProcessEvents exports (CSV, TSV, Arrow) anywhere on the page
      </span>
    </div>
  );
}
