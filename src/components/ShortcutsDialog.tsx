interface Props {
  readonly onClose: () => void;
}

const KEYS: readonly (readonly [string, string])[] = [
  ['j / ↓', 'next alert'],
  ['k / ↑', 'previous alert'],
  ['Enter', 'open the alert'],
  ['Esc', 'close the alert (or this list)'],
  ['t / b / f', 'verdict: true positive / benign, expected / false positive'],
  ['/', 'focus the filter box'],
  ['?', 'show or hide this list'],
];

/** The shortcut list, discoverable from the `?` button in the alerts header. */
export function ShortcutsDialog({ onClose }: Props) {
  return (
    <div className="shortcuts-backdrop" onClick={onClose}>
      <section
        className="panel shortcuts"
        role="dialog"
        aria-modal="true"
        aria-labelledby="shortcuts-title"
        onClick={(e) => e.stopPropagation()}
      >
        <h2 id="shortcuts-title" className="panel-title">
          Keyboard shortcuts
        </h2>
        <dl className="shortcut-list">
          {KEYS.map(([k, what]) => (
            <div key={k} className="meta-row">
              <dt>
                <kbd>{k}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" className="button button-small" onClick={onClose} autoFocus>
          Close
        </button>
      </section>
    </div>
  );
}
