import { useEffect, useState } from 'react';
import type { EngineClient, RuleView as View, UnknownBoot } from '../engine/worker/client';
import { formatCount } from './format';
import { TunedKql } from './TunedKql';

interface Props {
  readonly client: EngineClient;
  /** Changes whenever the detection re-runs (the view re-reads its counts). */
  readonly stamp: string;
  /** The knob as the analyst set it (the view's own copy lags until the re-run lands). */
  readonly unknownBoot: UnknownBoot;
  readonly onUnknownBoot: (mode: UnknownBoot) => void;
}

function Meta({ label, children }: { readonly label: string; readonly children: React.ReactNode }) {
  return (
    <div className="meta-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** The rule, derived from its YAML and syntax tree: metadata, stages with counts, exclusions, output. */
export function RuleView({ client, stamp, unknownBoot, onUnknownBoot }: Props) {
  const [view, setView] = useState<View | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ctl = new AbortController();
    client
      .ruleView({ signal: ctl.signal })
      .then((v) => {
        setView(v);
        setError(null);
      })
      .catch((err: unknown) => !ctl.signal.aborted && setError(err instanceof Error ? err.message : String(err)));
    return () => ctl.abort();
  }, [client, stamp]);
  if (error !== null) return <p className="text-warn">The rule view failed: {error}</p>;
  if (!view) return <p className="note">Reading the rule…</p>;
  return (
    <div className="rule-view">
      <div className="rule-grid">
        <section className="panel" aria-labelledby="rule-meta-title">
          <h2 id="rule-meta-title" className="panel-title">
            {view.name}
          </h2>
          <p className="rule-description">{view.description}</p>
          <dl className="meta-list">
            <Meta label="Rule id">
              <span className="mono">{view.id}</span> · v{view.version} · {view.kind} · {view.status}
            </Meta>
            <Meta label="Severity">
              <span className={`severity severity-${view.severity.toLowerCase()}`}>{view.severity}</span>
            </Meta>
            <Meta label="Tactics">{view.tactics.join(', ')}</Meta>
            <Meta label="ATT&CK technique">
              {view.techniques.map((t) => (
                <span key={t} className="tag tag-mono">
                  {t}
                </span>
              ))}{' '}
              Remote Services: Distributed Component Object Model
            </Meta>
            <Meta label="Data types">{view.dataTypes.join(', ')}</Meta>
            <Meta label="Frequency">
              every {view.queryFrequency}, looking back {view.queryPeriod}
            </Meta>
            <Meta label="Entity mappings">
              <ul className="plain-list">
                {view.entityMappings.map((m) => (
                  <li key={m.entityType}>
                    <strong>{m.entityType}</strong>:{' '}
                    {m.fields.map((f) => `${f.identifier} ← ${f.columnName}`).join(', ')}
                  </li>
                ))}
              </ul>
            </Meta>
            <Meta label="Output fields">
              <span className="mono">{view.outputColumns.join(', ')}</span>
            </Meta>
            <Meta label="Exclusions">
              <ul className="plain-list">
                <li>
                  DCOM servers allow-listed ({view.allowList.length}):{' '}
                  <span className="mono">{view.allowList.join(', ') || 'none'}</span>
                </li>
                <li>
                  Child processes excluded: <span className="mono">{view.childExclusions.join(', ') || 'none'}</span>
                </li>
                <li>
                  Devices without a boot in the data: {view.unknownBoot === 'drop' ? 'dropped (as written)' : 'kept'}
                </li>
                {view.bootGraceSeconds !== null && (
                  <li>
                    Ignored after boot: <span className="mono">{view.bootGraceSeconds} s</span>
                  </li>
                )}
                {view.window && (
                  <li>
                    RPC → DCOM window:{' '}
                    <span className="mono">
                      datetime_diff(&quot;{view.window.unit}&quot;, …) between ({view.window.lo} .. {view.window.hi})
                    </span>
                  </li>
                )}
              </ul>
            </Meta>
          </dl>
        </section>
        <section className="panel stages-panel" aria-labelledby="rule-stages-title">
          <h2 id="rule-stages-title" className="panel-title">
            Stages as written{' '}
            <span className="panel-note">
              {view.counted
                ? 'rows out of each operator in the last run (no optimiser rewrites)'
                : 'load data for row counts'}
            </span>
          </h2>
          <ol className="stage-list">
            {view.stages.map((s, i) => (
              <li
                key={i}
                className={s.rows === null ? 'stage stage-heading' : 'stage'}
                style={{ paddingLeft: `${s.depth * 14 + 6}px` }}
              >
                <span className="stage-text">{s.text}</span>
                {s.rows !== null && (
                  <span className={`stage-rows${s.rows === 0 ? ' stage-zero' : ''}`}>{formatCount(s.rows)}</span>
                )}
              </li>
            ))}
          </ol>
        </section>
      </div>
      <TunedKql query={view.query} unknownBoot={unknownBoot} onUnknownBoot={onUnknownBoot} />
    </div>
  );
}
