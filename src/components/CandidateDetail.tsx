import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { CandidateView, EngineClient, HitDetail, TuningInput } from '../engine/worker/client';
import { IsoText } from './IsoText';
import { ProcessTree } from './ProcessTree';
import { TimeText } from './TimeText';
import { Timeline } from './Timeline';
import { focusExtent, fullExtent } from './timeline-layout';
import { WhyItFired } from './WhyItFired';

interface Props {
  readonly client: EngineClient;
  readonly tuning: TuningInput;
  readonly candidate: CandidateView;
  readonly pinned: boolean;
  readonly onPin: (on: boolean) => void;
  readonly onClose: () => void;
}

/** A suppressed (or alerting) candidate opened like a hit: timeline, tree and why, the failing stage marked. */
export function CandidateDetail({ client, tuning, candidate, pinned, onPin, onClose }: Props) {
  const [detail, setDetail] = useState<HitDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [zoom, setZoom] = useState<readonly [number, number] | null>(null);
  const panel = useRef<HTMLElement>(null);
  const tuningKey = JSON.stringify(tuning);
  useEffect(() => {
    panel.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);
  useEffect(() => {
    const ctl = new AbortController();
    client
      .candidateDetail(JSON.parse(tuningKey) as TuningInput, candidate.key, { signal: ctl.signal })
      .then(setDetail)
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, [client, tuningKey, candidate.key]);
  const extent = useMemo(() => (detail ? fullExtent(detail, null) : null), [detail]);
  const focus = useMemo(() => (detail ? focusExtent(detail) : null), [detail]);
  const onDomain = useCallback((d: readonly [number, number] | null) => setZoom(d), []);
  const f = candidate.failure;
  return (
    <section
      ref={panel}
      className="panel hit-detail candidate-detail"
      role="dialog"
      aria-modal="false"
      aria-labelledby="cand-title"
    >
      <div className="hit-head">
        <h2 id="cand-title" className="panel-title">
          {candidate.state === 'alert' ? 'Alert candidate' : 'Suppressed'}: {candidate.label} on {candidate.device}
          {candidate.iso && (
            <span className="panel-note">
              {' '}
              at <TimeText iso={candidate.iso} />
            </span>
          )}
        </h2>
        <span className="spacer" />
        {candidate.state === 'suppressed' && (
          <button type="button" className="button button-small" aria-pressed={pinned} onClick={() => onPin(!pinned)}>
            {pinned ? '📌 Pinned: must stay quiet' : 'Pin: must stay quiet'}
          </button>
        )}
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close candidate detail">
          Close
        </button>
      </div>
      {f && (
        <p className="failing-stage" role="note">
          <span className="why-mark">✗</span> stopped at <code>{f.stage.replace(/\s+/g, ' ')}</code>:{' '}
          <IsoText text={f.detail} />
          {f.violation !== null && <span className="text-muted"> (off by {f.violation})</span>}
        </p>
      )}
      {candidate.suspicion && (
        <ul className="suspicious-reasons">
          {candidate.suspicion.reasons.map((r) => (
            <li key={r}>⚠ {r}</li>
          ))}
        </ul>
      )}
      {error !== null && <p className="text-warn">{error}</p>}
      {!detail && error === null && <p className="note">Tracing the candidate&apos;s rows…</p>}
      {detail && extent && focus && (
        <>
          <h3 className="section-title">Timeline</h3>
          <Timeline detail={detail} around={null} domain={zoom ?? focus} extent={extent} onDomain={onDomain} />
          <h3 className="section-title">Process tree</h3>
          <ProcessTree nodes={detail.tree} />
          <h3 className="section-title">Why it did not fire</h3>
          <WhyItFired stages={detail.why} />
        </>
      )}
    </section>
  );
}
