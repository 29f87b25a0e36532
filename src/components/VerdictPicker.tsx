import type { Verdict } from '../engine/worker/client';

interface Props {
  readonly verdict: Verdict | null;
  readonly onVerdict: (v: Verdict | null) => void;
}

export const VERDICTS: readonly { readonly value: Verdict; readonly label: string; readonly key: string }[] = [
  { value: 'true-positive', label: 'True positive', key: 't' },
  { value: 'benign', label: 'Benign, expected', key: 'b' },
  { value: 'false-positive', label: 'False positive', key: 'f' },
];

/** Three toggle buttons; pressing the current one clears it. Keys t / b / f do the same. */
export function VerdictPicker({ verdict, onVerdict }: Props) {
  return (
    <div className="verdicts" role="group" aria-label="Verdict">
      {VERDICTS.map((v) => (
        <button
          key={v.value}
          type="button"
          className={`button button-small verdict verdict-${v.value}`}
          aria-pressed={verdict === v.value}
          aria-keyshortcuts={v.key}
          onClick={() => onVerdict(verdict === v.value ? null : v.value)}
        >
          {v.label} <kbd>{v.key}</kbd>
        </button>
      ))}
    </div>
  );
}
