import { useCallback, useMemo, useRef, useState } from 'react';
import type {
  CandidateView,
  DetectionView,
  EngineClient,
  RuleSummary,
  TableSummary,
  Verdict,
} from '../engine/worker/client';
import { BootBanner } from './BootBanner';
import { CandidateDetail } from './CandidateDetail';
import { ExplainSection } from './ExplainSection';
import { pinsOf, togglePin, type PinKind } from './pins';
import { useExplain } from './use-explain';
import type { GroupBy } from './alert-items';
import { AlertsTable } from './AlertsTable';
import { AllowListEditor } from './AllowListEditor';
import { ExportControls } from './ExportControls';
import { FanOut } from './FanOut';
import { formatCount, plural } from './format';
import { HitDetail } from './HitDetail';
import { KnobsEditor } from './KnobsEditor';
import { RuleView } from './RuleView';
import { ShortcutsDialog } from './ShortcutsDialog';
import { StagesPanel } from './StagesPanel';
import { TimeText } from './TimeText';
import { tuningInput, type TuningState } from './tuning-state';
import { useShortcuts } from './use-shortcuts';
import { VERDICTS } from './VerdictPicker';

interface Props {
  readonly client: EngineClient;
  readonly detection: DetectionView;
  readonly tables: readonly TableSummary[];
  readonly running: boolean;
  readonly diff: DetectionView['diff'];
  readonly entries: readonly string[];
  readonly active: ReadonlySet<string>;
  readonly state: TuningState;
  /** The rule as shipped (its knobs as written); null until described. */
  readonly rule: RuleSummary | null;
  readonly onToggle: (entry: string, on: boolean) => void;
  readonly onAdd: (entry: string) => void;
  readonly onTune: (patch: Partial<TuningState>) => void;
  readonly onCancelRun: () => void;
  readonly onError: (message: string) => void;
}

type Tab = 'alerts' | 'fanout' | 'rule';
const TABS: readonly { readonly id: Tab; readonly label: string }[] = [
  { id: 'alerts', label: 'Alerts' },
  { id: 'fanout', label: 'Fan-out' },
  { id: 'rule', label: 'Rule' },
];

/** Everything after a run: alerts (with detail), fan-out and the rule, plus tuning and export. */
export function ResultsView(props: Props) {
  const { client, detection, state, onTune } = props;
  const [tab, setTab] = useState<Tab>('alerts');
  const [filter, setFilter] = useState('');
  const [groupBy, setGroupBy] = useState<GroupBy>('none');
  const [cursor, setCursor] = useState<number | null>(null);
  const [opened, setOpened] = useState<number | null>(null);
  const [help, setHelp] = useState(false);
  const order = useRef<readonly number[]>([]);
  const filterBox = useRef<HTMLInputElement>(null);
  const stamp = `${detection.now}|${detection.elapsedMs}|${detection.rows.length}`;
  const keys = detection.keys;
  const verdictText = useMemo(() => new Map(VERDICTS.map((v) => [v.value, v.label])), []);
  const verdictOf = useCallback(
    (i: number) => {
      const v = state.verdicts[keys[i] ?? ''];
      return v ? (verdictText.get(v) ?? '') : '';
    },
    [state.verdicts, keys, verdictText],
  );
  const onOrder = useCallback((o: readonly number[]) => {
    order.current = o;
  }, []);
  const open = (i: number): void => {
    setTab('alerts');
    setCursor(i);
    setOpened(i);
  };
  const setVerdict = (row: number, v: Verdict | null): void => {
    const key = keys[row];
    if (key === undefined) return;
    const next = { ...state.verdicts };
    if (v === null) delete next[key];
    else next[key] = v;
    onTune({ verdicts: next });
  };
  const setNote = (row: number, note: string): void => {
    const key = keys[row];
    if (key === undefined) return;
    const next = { ...state.notes };
    if (note === '') delete next[key];
    else next[key] = note.slice(0, 2000);
    onTune({ notes: next });
  };
  const move = (step: number): void => {
    const o = order.current;
    if (o.length === 0) return;
    const at = cursor === null ? -1 : o.indexOf(cursor);
    const next = o[Math.max(0, Math.min(o.length - 1, at < 0 ? (step > 0 ? 0 : o.length - 1) : at + step))]!;
    setCursor(next);
    if (opened !== null) setOpened(next);
  };
  const verdictKey = (v: Verdict) => () => {
    const row = opened ?? cursor;
    if (row !== null) setVerdict(row, state.verdicts[keys[row] ?? ''] === v ? null : v);
  };
  useShortcuts({
    j: () => move(1),
    ArrowDown: () => move(1),
    k: () => move(-1),
    ArrowUp: () => move(-1),
    Enter: () => cursor !== null && open(cursor),
    Escape: () => (help ? setHelp(false) : setOpened(null)),
    '/': () => {
      setTab('alerts');
      filterBox.current?.focus();
    },
    '?': () => setHelp((h) => !h),
    t: verdictKey('true-positive'),
    b: verdictKey('benign'),
    f: verdictKey('false-positive'),
  });
  const openKey = opened === null ? '' : (keys[opened] ?? '');
  const tuning = useMemo(
    () => tuningInput({ allowList: state.allowList, unknownBoot: state.unknownBoot, knobs: state.knobs }),
    [state.allowList, state.unknownBoot, state.knobs],
  );
  const baseTuning = useMemo(
    () => ({ allowList: tuning.allowList, unknownBoot: tuning.unknownBoot }),
    [tuning.allowList, tuning.unknownBoot],
  );
  const explained = useExplain(client, tuning, stamp);
  const [candidate, setCandidate] = useState<CandidateView | null>(null);
  const pins = pinsOf(state);
  const setPin = (kind: PinKind, key: string, on: boolean): void => onTune({ pins: togglePin(pins, kind, key, on) });

  return (
    <>
      {explained.view && (
        <BootBanner
          view={explained.view}
          unknownBoot={state.unknownBoot}
          onKeep={() => onTune({ unknownBoot: 'keep' })}
        />
      )}
      <section className="panel results-panel" aria-labelledby="alerts-title">
        <div className="results-head">
          <h2 id="alerts-title" className="results-title">
            {plural(detection.rows.length, 'alert')}
          </h2>
          <span className="results-meta">
            {props.tables.map((t) => `${t.name} ${formatCount(t.rows)} rows`).join(' · ')} · now() ={' '}
            <TimeText iso={detection.now} />
          </span>
          <span className="spacer" />
          {props.running && (
            <button type="button" className="button button-small button-quiet" onClick={props.onCancelRun}>
              Cancel run
            </button>
          )}
          <ExportControls
            client={client}
            disabled={props.running}
            verdicts={state.verdicts}
            onError={(m) => props.onError(`Export failed: ${m}`)}
          />
        </div>
        <div className="toolbar">
          <div className="tabs" role="tablist" aria-label="Views">
            {TABS.map((t) => (
              <button
                key={t.id}
                type="button"
                role="tab"
                aria-selected={tab === t.id}
                className="tab"
                onClick={() => setTab(t.id)}
              >
                {t.label}
              </button>
            ))}
          </div>
          {tab === 'alerts' && (
            <>
              <input
                ref={filterBox}
                type="search"
                className="filter-box"
                placeholder="Filter alerts ( / )"
                aria-label="Filter alerts"
                value={filter}
                onChange={(e) => setFilter(e.target.value)}
              />
              <label className="group-by">
                Group by{' '}
                <select
                  value={groupBy}
                  onChange={(e) => setGroupBy(e.target.value as GroupBy)}
                  aria-label="Group alerts by"
                >
                  <option value="none">nothing</option>
                  <option value="device">device</option>
                  <option value="remote">remote IP</option>
                </select>
              </label>
            </>
          )}
          <span className="spacer" />
          <button
            type="button"
            className="button button-small button-quiet"
            aria-keyshortcuts="?"
            onClick={() => setHelp(true)}
          >
            Shortcuts ?
          </button>
        </div>
        {tab === 'alerts' && (
          <AlertsTable
            columns={detection.columns}
            rows={detection.rows}
            filter={filter}
            groupBy={groupBy}
            verdictOf={verdictOf}
            cursor={cursor}
            opened={opened}
            onOpen={open}
            onOrder={onOrder}
          />
        )}
        {tab === 'fanout' && <FanOut columns={detection.columns} rows={detection.rows} onOpen={open} />}
        {tab === 'rule' && (
          <RuleView
            client={client}
            stamp={stamp}
            unknownBoot={state.unknownBoot}
            onUnknownBoot={(m) => onTune({ unknownBoot: m })}
          />
        )}
      </section>
      {opened !== null && opened < detection.rows.length && (
        <HitDetail
          key={`${opened}|${stamp}`}
          client={client}
          row={opened}
          stamp={stamp}
          verdict={state.verdicts[openKey] ?? null}
          note={state.notes[openKey] ?? ''}
          pinned={pins.detected.includes(openKey)}
          onPin={(on) => setPin('detected', openKey, on)}
          onVerdict={(v) => setVerdict(opened, v)}
          onNote={(n) => setNote(opened, n)}
          onClose={() => setOpened(null)}
        />
      )}
      <ExplainSection
        client={client}
        view={explained.view}
        error={explained.error}
        loading={explained.loading}
        entries={props.entries}
        active={props.active}
        unknownBoot={state.unknownBoot}
        knobs={state.knobs}
        pins={pins}
        stamp={stamp}
        opened={candidate?.key ?? null}
        onOpen={setCandidate}
        onTune={onTune}
        onUnpin={(kind, key) => setPin(kind, key, false)}
      />
      {candidate && (
        <CandidateDetail
          key={`${candidate.key}|${stamp}`}
          client={client}
          tuning={tuning}
          candidate={candidate}
          pinned={pins.quiet.includes(candidate.key)}
          onPin={(on) => setPin('quiet', candidate.key, on)}
          onClose={() => setCandidate(null)}
        />
      )}
      <div className="lower-grid">
        <AllowListEditor
          entries={props.entries}
          active={props.active}
          busy={props.running}
          diff={props.diff}
          onToggle={props.onToggle}
          onAdd={props.onAdd}
        />
        <StagesPanel stages={detection.stages} elapsedMs={detection.elapsedMs} />
      </div>
      {props.rule && (
        <KnobsEditor
          client={client}
          view={explained.view}
          stamp={stamp}
          pins={pins}
          written={props.rule.knobs}
          knobs={state.knobs}
          base={baseTuning}
          onApply={(knobs) => onTune({ knobs })}
        />
      )}
      {help && <ShortcutsDialog onClose={() => setHelp(false)} />}
    </>
  );
}
