import type { WhyStage } from '../engine/worker/client';
import { TimeText } from './TimeText';

interface Props {
  readonly stages: readonly WhyStage[];
}

const ISO_IN_TEXT = /(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z)/;

/** A value with its ISO times shown in the display zone. */
function ValueText({ text }: { readonly text: string }) {
  return <>{text.split(ISO_IN_TEXT).map((part, i) => (i % 2 === 1 ? <TimeText key={i} iso={part} /> : part))}</>;
}

/** Each stage of the rule, the predicate it passed and the value this alert showed it. */
export function WhyItFired({ stages }: Props) {
  return (
    <ol className="why-list" aria-label="Why it fired">
      {stages.map((s, i) => (
        <li key={i} className="why-stage">
          <h4 className="why-stage-title">{s.stage}</h4>
          <ul className="why-checks">
            {s.checks.map((c, j) => (
              <li key={j} className={c.pass ? 'why-check pass' : 'why-check fail'}>
                <span className="why-mark" aria-label={c.pass ? 'passed' : 'did not pass'}>
                  {c.pass ? '✓' : '✗'}
                </span>
                <code className="why-predicate">{c.predicate}</code>
                <span className="why-value">
                  <ValueText text={c.value} />
                </span>
              </li>
            ))}
          </ul>
        </li>
      ))}
    </ol>
  );
}
