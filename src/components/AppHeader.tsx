import type { ReactNode } from 'react';
import type { EngineMode, RuleSummary } from '../engine/worker/client';

interface Props {
  readonly rule: RuleSummary | null;
  readonly mode: EngineMode | null;
  /** Header controls (the display-zone switch). */
  readonly children?: ReactNode;
}

/** Product name, the rule being run, and the privacy promise, always in view. */
export function AppHeader({ rule, mode, children }: Props) {
  return (
    <header className="app-header">
      <div className="brand">
        <span className="brand-name">dcomlens</span>
        <span className="brand-sub">DCOM lateral movement triage</span>
      </div>
      {rule && (
        <div className="rule-chip" title={`Sentinel rule ${rule.id}`}>
          <span className="rule-name">{rule.name}</span>
          <span className={`severity severity-${rule.severity.toLowerCase()}`}>{rule.severity}</span>
          {rule.tactics.map((t) => (
            <span key={t} className="tag">
              {t}
            </span>
          ))}
          {rule.techniques.map((t) => (
            <span key={t} className="tag tag-mono">
              {t}
            </span>
          ))}
        </div>
      )}
      {children}
      <p className="privacy">
        <svg className="lock" viewBox="0 0 16 16" aria-hidden="true" focusable="false">
          <path d="M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1zm1.5 0h4V5a2 2 0 0 0-4 0z" />
        </svg>
        <span>Your data never leaves this browser</span>
        {mode && <span className="engine-mode">engine: {mode === 'worker' ? 'web worker' : 'main thread'}</span>}
      </p>
    </header>
  );
}
