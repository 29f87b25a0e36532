import { useMemo, useState } from 'react';
import type { CandidateView, EngineClient, ExplainView, UnknownBoot } from '../engine/worker/client';
import { AllowImpactPanel } from './AllowImpactPanel';
import { nearMisses, suspiciousChains } from './explain-items';
import { FunnelPanel } from './FunnelPanel';
import { NearMissesTable } from './NearMissesTable';
import { PinsPanel } from './PinsPanel';
import { SuspiciousList } from './SuspiciousList';
import type { Pins, StateKnobs, TuningState } from './tuning-state';
import { WhatIfPanel } from './WhatIfPanel';

type Tab = 'funnel' | 'near' | 'suspicious' | 'impact' | 'whatif' | 'pins';

interface Props {
  readonly client: EngineClient;
  readonly view: ExplainView | null;
  readonly error: string | null;
  readonly loading: boolean;
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly unknownBoot: UnknownBoot;
  readonly knobs?: StateKnobs;
  readonly pins: Pins;
  readonly stamp: string;
  readonly opened: string | null;
  readonly onOpen: (c: CandidateView) => void;
  readonly onTune: (patch: Partial<TuningState>) => void;
  readonly onUnpin: (kind: 'detected' | 'quiet', key: string) => void;
}

/** Explain mode: why every candidate did or did not become an alert, and what tuning would change. */
export function ExplainSection(props: Props) {
  const { view } = props;
  const [tab, setTab] = useState<Tab>('funnel');
  const lists = useMemo(
    () => (view ? { near: nearMisses(view).length, suspicious: suspiciousChains(view).length } : null),
    [view],
  );
  const counts: Partial<Record<Tab, number>> = lists
    ? {
        near: lists.near,
        suspicious: lists.suspicious,
        pins: props.pins.detected.length + props.pins.quiet.length,
      }
    : {};
  const tabs: readonly { id: Tab; label: string }[] = [
    { id: 'funnel', label: 'Funnel' },
    { id: 'near', label: 'Near misses' },
    { id: 'suspicious', label: 'Suppressed but suspicious' },
    { id: 'impact', label: 'Allow-list impact' },
    { id: 'whatif', label: 'What-if' },
    { id: 'pins', label: 'Pins' },
  ];
  return (
    <section className="panel explain-panel" aria-labelledby="explain-title">
      <div className="results-head">
        <h2 id="explain-title" className="panel-title">
          Why not?{' '}
          <span className="panel-note">every candidate of the rule&apos;s spine, and why it did or did not fire</span>
        </h2>
        <span className="spacer" />
        {props.loading && <span className="panel-note">Explaining…</span>}
        {view && <span className="panel-note">explained in {Math.round(view.elapsedMs)} ms</span>}
      </div>
      <div className="tabs" role="tablist" aria-label="Explain views">
        {tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={tab === t.id}
            className="tab"
            onClick={() => setTab(t.id)}
          >
            {t.label}
            {counts[t.id] !== undefined && <span className="tab-count">{counts[t.id]}</span>}
          </button>
        ))}
      </div>
      {props.error !== null && <p className="text-warn">Explain failed: {props.error}</p>}
      {!view && props.error === null && <p className="note">Explaining every candidate…</p>}
      {view && tab === 'funnel' && <FunnelPanel view={view} />}
      {view && tab === 'near' && <NearMissesTable view={view} opened={props.opened} onOpen={props.onOpen} />}
      {view && tab === 'suspicious' && <SuspiciousList view={view} onOpen={props.onOpen} />}
      {view && tab === 'impact' && <AllowImpactPanel view={view} entries={props.entries} active={props.active} />}
      {view && tab === 'whatif' && (
        <WhatIfPanel
          client={props.client}
          view={view}
          entries={props.entries}
          active={props.active}
          unknownBoot={props.unknownBoot}
          {...(props.knobs ? { knobs: props.knobs } : {})}
          pins={props.pins}
          stamp={props.stamp}
          onApply={props.onTune}
        />
      )}
      {view && tab === 'pins' && <PinsPanel view={view} pins={props.pins} onUnpin={props.onUnpin} />}
    </section>
  );
}
