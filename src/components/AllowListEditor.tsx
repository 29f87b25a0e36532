import { useId, useState } from 'react';

interface Props {
  /** Every entry offered (the rule's own, then any the analyst added), in order. */
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly busy: boolean;
  /** `+N / −N alerts` after the last allow-list change, or null. */
  readonly diff: { readonly added: number; readonly removed: number } | null;
  readonly onToggle: (entry: string, on: boolean) => void;
  readonly onAdd: (entry: string) => void;
}

/** `allowListedExecs` as checkboxes: unchecking an entry re-runs the rule without it. */
export function AllowListEditor({ entries, active, busy, diff, onToggle, onAdd }: Props) {
  const [draft, setDraft] = useState('');
  const inputId = useId();
  const add = (): void => {
    const name = draft.trim();
    if (name === '') return;
    onAdd(name);
    setDraft('');
  };
  return (
    <section className="panel allow-panel" aria-labelledby="allow-title">
      <h2 id="allow-title" className="panel-title">
        Allow-list <span className="panel-note mono">allowListedExecs</span>
      </h2>
      <p className="panel-help">DCOM servers with these file names are ignored. Uncheck one to see what it hides.</p>
      <p className="diff-line" role="status" aria-live="polite">
        {busy ? 'Re-running…' : diff ? `+${diff.added} / −${diff.removed} alerts` : ''}
      </p>
      <ul className="allow-list">
        {entries.map((e) => (
          <li key={e}>
            <label className="check">
              <input type="checkbox" checked={active.has(e)} onChange={(ev) => onToggle(e, ev.currentTarget.checked)} />
              <span className="mono">{e}</span>
            </label>
          </li>
        ))}
      </ul>
      <form
        className="allow-add"
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <label htmlFor={inputId} className="visually-hidden">
          Add an executable to the allow-list
        </label>
        <input
          id={inputId}
          className="text-input mono"
          value={draft}
          placeholder="name.exe"
          onChange={(e) => setDraft(e.currentTarget.value)}
        />
        <button type="submit" className="button button-small" disabled={draft.trim() === ''}>
          Add
        </button>
      </form>
    </section>
  );
}
