import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { EngineClient, HitDetail as Detail, SurroundingEvents, Verdict } from '../engine/worker/client';
import { ProcessTree } from './ProcessTree';
import { TimeText } from './TimeText';
import { Timeline } from './Timeline';
import { focusExtent, fullExtent } from './timeline-layout';
import { VerdictPicker } from './VerdictPicker';
import { WhyItFired } from './WhyItFired';

interface Props {
  readonly client: EngineClient;
  /** Row index in the detection; `stamp` changes whenever the detection does. */
  readonly row: number;
  readonly stamp: string;
  readonly verdict: Verdict | null;
  readonly note: string;
  readonly onVerdict: (v: Verdict | null) => void;
  readonly onNote: (note: string) => void;
  readonly onClose: () => void;
  /** Pinned as "must stay detected" (absent: no pin control). */
  readonly pinned?: boolean;
  readonly onPin?: (on: boolean) => void;
}

/** One alert opened: timeline, process tree and why it fired, with the analyst's verdict. */
export function HitDetail({
  client,
  row,
  stamp,
  verdict,
  note,
  onVerdict,
  onNote,
  onClose,
  pinned = false,
  onPin,
}: Props) {
  const [detail, setDetail] = useState<Detail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [around, setAround] = useState<SurroundingEvents | null>(null);
  const [seconds, setSeconds] = useState(10);
  const [zoom, setZoom] = useState<readonly [number, number] | null>(null);
  const panel = useRef<HTMLElement>(null);

  // Opened from the table (click or Enter): bring the panel into view if it is not.
  useEffect(() => {
    panel.current?.scrollIntoView?.({ block: 'nearest' });
  }, []);

  useEffect(() => {
    // The parent keys this component by row and run, so state starts fresh for each alert.
    const ctl = new AbortController();
    client
      .hitDetail(row, { signal: ctl.signal })
      .then(setDetail)
      .catch((err: unknown) => {
        if (!ctl.signal.aborted) setError(err instanceof Error ? err.message : String(err));
      });
    return () => ctl.abort();
  }, [client, row, stamp]);

  const extent = useMemo(() => (detail ? fullExtent(detail, around) : null), [detail, around]);
  const focus = useMemo(() => (detail ? focusExtent(detail) : null), [detail]);
  const onDomain = useCallback((d: readonly [number, number] | null) => setZoom(d), []);
  const showAround = (): void => {
    void client
      .surrounding(row, seconds)
      .then(setAround)
      .catch((err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };

  return (
    <section ref={panel} className="panel hit-detail" role="dialog" aria-modal="false" aria-labelledby="hit-title">
      <div className="hit-head">
        <h2 id="hit-title" className="panel-title">
          Alert on {detail?.deviceName ?? '…'}
          {detail?.rpc && (
            <span className="panel-note">
              {' '}
              RPC at <TimeText iso={detail.rpc.iso} />
            </span>
          )}
        </h2>
        <span className="spacer" />
        <VerdictPicker verdict={verdict} onVerdict={onVerdict} />
        {onPin && (
          <button type="button" className="button button-small" aria-pressed={pinned} onClick={() => onPin(!pinned)}>
            {pinned ? '📌 Pinned: must stay detected' : 'Pin: must stay detected'}
          </button>
        )}
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close alert detail (Esc)">
          Close
        </button>
      </div>
      <label className="note-field">
        <span>Note</span>
        <textarea
          value={note}
          maxLength={2000}
          rows={1}
          onChange={(e) => onNote(e.target.value)}
          aria-label="Analyst note"
        />
      </label>
      {error !== null && <p className="text-warn">{error}</p>}
      {!detail && error === null && <p className="note">Tracing the alert&apos;s rows…</p>}
      {detail && extent && focus && (
        <>
          <h3 className="section-title">Timeline</h3>
          <div className="around-controls">
            <label>
              ±
              <input
                type="number"
                min={1}
                max={3600}
                value={seconds}
                aria-label="Seconds around the RPC event"
                onChange={(e) => setSeconds(Math.max(1, Math.min(3600, Number(e.target.value) || 1)))}
              />{' '}
              s
            </label>
            <button type="button" className="button button-small" onClick={showAround}>
              Show ±{seconds} s of device events
            </button>
            {around && (
              <span className="panel-note">
                {around.events.length} events{around.truncated ? ' (nearest shown)' : ''}
              </span>
            )}
            {zoom && (
              <button type="button" className="button button-small button-quiet" onClick={() => setZoom(null)}>
                Reset zoom
              </button>
            )}
            <button type="button" className="button button-small button-quiet" onClick={() => setZoom(extent)}>
              Show all
            </button>
          </div>
          <Timeline
            detail={detail}
            around={around}
            domain={zoom ?? (around ? extent : focus)}
            extent={extent}
            onDomain={onDomain}
          />
          <h3 className="section-title">Process tree</h3>
          <ProcessTree nodes={detail.tree} />
          <h3 className="section-title">Why it fired</h3>
          <WhyItFired stages={detail.why} />
        </>
      )}
    </section>
  );
}
