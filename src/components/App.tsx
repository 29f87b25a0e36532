import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import {
  isAbortError,
  isEngineStopped,
  type DetectionView,
  type EngineLifecycleEvent,
  type EngineClient,
  type EngineMode,
  type RuleSummary,
  type TableSummary,
  type ReadinessView,
} from '../engine/worker/client';
import { AppHeader } from './AppHeader';
import { DropZone } from './DropZone';
import { EmptyState } from './EmptyState';
import { ErrorBanner } from './ErrorBanner';
import type { FileJob } from './file-job';
import { FileProgressList } from './FileProgressList';
import { IngestReportPanel } from './IngestReportPanel';
import { LoadControls } from './LoadControls';
import { ResultsView } from './ResultsView';
import { StateFileControls } from './StateFileControls';
import { PinWarning } from './PinWarning';
import { pinsOf } from './pins';
import { ruleKnobs, tuningInput, type TuningState } from './tuning-state';
import { usePinGuard } from './use-pin-guard';
import { useTuning } from './use-tuning';
import { ZoneContext } from './zone-context';
import { ZoneSwitch } from './ZoneSwitch';

interface Props {
  readonly client: EngineClient;
}

/** A file to load: already in hand (picked or dropped), or fetched from the app's own origin. */
interface Source {
  readonly name: string;
  readonly fetched: boolean;
  readonly open: (signal: AbortSignal) => Promise<Blob>;
}

const SAMPLE_FILES = ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'];
const RULE_TABLES = ['DeviceNetworkEvents', 'DeviceProcessEvents'];

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

const KEPT = 'Your allow-list, knobs, verdicts, notes and pins are kept.';

/** What the banner says about the engine's death and its restart. */
export function lifecycleMessage(event: EngineLifecycleEvent): string {
  if (event.kind === 'stopped')
    return `The engine ${event.message.replace(/^the engine /, '')}. Restarting it… ${KEPT}`;
  const parts = [`The engine stopped (crashed or ran out of memory) and was restarted.`];
  if (event.reloaded.length > 0)
    parts.push(
      `${event.reloaded.length === 1 ? 'Your file was' : `Your ${event.reloaded.length} files were`} loaded into it again.`,
    );
  for (const f of event.failed) parts.push(`Load ${f.name} again: ${f.message}.`);
  parts.push(KEPT);
  return parts.join(' ');
}

function sampleSource(name: string): Source {
  return {
    name,
    fetched: true,
    open: async (signal) => {
      // Same origin only (CSP connect-src 'self'): the samples ship with the app.
      const res = await fetch(`./samples/${name}`, { signal });
      if (!res.ok) throw new Error(`sample ${name}: HTTP ${res.status}`);
      return res.blob();
    },
  };
}

/** The investigation page: load files, read the ingest report, review and tune the alerts. */
export function App({ client }: Props) {
  const [mode, setMode] = useState<EngineMode | null>(null);
  const [rule, setRule] = useState<RuleSummary | null>(null);
  const [jobs, setJobs] = useState<readonly FileJob[]>([]);
  const [tables, setTables] = useState<readonly TableSummary[]>([]);
  const [readiness, setReadiness] = useState<ReadinessView | null>(null);
  const tuning = useTuning();
  const { state, update } = tuning;
  const entries = useMemo(() => state.allowList?.entries ?? rule?.allowList ?? [], [state.allowList, rule]);
  const active = useMemo(() => new Set(state.allowList?.active ?? rule?.allowList ?? []), [state.allowList, rule]);
  const [detection, setDetection] = useState<DetectionView | null>(null);
  const [diff, setDiff] = useState<DetectionView['diff']>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(
    tuning.problems.length > 0 ? `Some saved state was ignored: ${tuning.problems.join('; ')}` : null,
  );
  /** The engine was restarted after a run it died in: offer to run the rule again. */
  const [rerun, setRerun] = useState(false);
  const loads = useRef(new Map<string, AbortController>());
  const run = useRef<AbortController | null>(null);
  const seq = useRef(0);
  // The allow-list and knob the next run uses; a ref so async loads read the latest, not their closure's.
  const allowList = useRef<readonly string[] | null>(null);
  const unknownBoot = useRef(state.unknownBoot);
  const knobs = useRef(state.knobs);
  useEffect(() => {
    if (state.allowList) allowList.current = state.allowList.entries.filter((e) => state.allowList!.active.includes(e));
    unknownBoot.current = state.unknownBoot;
    knobs.current = state.knobs;
  }, [state.allowList, state.unknownBoot, state.knobs]);

  useEffect(() => {
    let live = true;
    void client.mode.then((m) => {
      if (!live) return;
      setMode(m);
      document.documentElement.dataset.engine = m;
    });
    client
      .describeRule()
      .then((r) => {
        if (!live) return;
        setRule(r);
        allowList.current ??= r.allowList;
      })
      .catch((err: unknown) => live && setError(`The rule could not be loaded: ${message(err)}`));
    return () => {
      live = false;
    };
  }, [client]);

  // A dead engine: say so at once, and again once a fresh one holds the files (restartable-client).
  useEffect(
    () =>
      client.onLifecycle?.((event) => {
        setError(lifecycleMessage(event));
        if (event.kind === 'restarted') setRunning(false);
      }),
    [client],
  );

  const detect = useCallback(
    async (fromAllowList: boolean): Promise<void> => {
      run.current?.abort();
      const ctl = new AbortController();
      run.current = ctl;
      setRunning(true);
      try {
        const d = await client.detect(allowList.current, {
          signal: ctl.signal,
          unknownBoot: unknownBoot.current,
          knobs: ruleKnobs(knobs.current),
        });
        setDetection(d);
        setDiff(fromAllowList ? d.diff : null);
      } catch (err) {
        if (isEngineStopped(err) && client.onLifecycle)
          setRerun(true); // the lifecycle banner says it
        else if (!isAbortError(err)) setError(`The rule failed: ${message(err)}`);
      } finally {
        if (run.current === ctl) {
          run.current = null;
          setRunning(false);
        }
      }
    },
    [client],
  );

  const load = useCallback(
    async (sources: readonly Source[]): Promise<void> => {
      setError(null);
      const started = sources.map((source) => ({ source, key: `f${++seq.current}`, ctl: new AbortController() }));
      for (const s of started) loads.current.set(s.key, s.ctl);
      const names = new Set(sources.map((s) => s.name));
      setJobs((prev) => [
        // Loading a file again replaces it (the engine keys tables by file name too).
        ...prev.filter((j) => !names.has(j.name)),
        ...started.map(({ source, key }): FileJob => ({
          key,
          name: source.name,
          status: source.fetched ? 'fetching' : 'reading',
          progress: { bytes: 0, totalBytes: 0, rows: 0 },
          report: null,
          error: null,
        })),
      ]);
      const update = (key: string, patch: Partial<FileJob>): void =>
        setJobs((prev) => prev.map((j) => (j.key === key ? { ...j, ...patch } : j)));
      const seen: { tables: readonly TableSummary[] | null; readiness: ReadinessView | null } = {
        tables: null,
        readiness: null,
      };
      await Promise.all(
        started.map(async ({ source, key, ctl }) => {
          try {
            const blob = await source.open(ctl.signal);
            update(key, { status: 'reading', progress: { bytes: 0, totalBytes: blob.size, rows: 0 } });
            const out = await client.ingest(blob, source.name, {
              signal: ctl.signal,
              onProgress: (progress) => update(key, { progress }),
            });
            update(key, { status: out.report.fatal === null ? 'done' : 'failed', report: out.report });
            if (seen.tables === null || out.tables.length >= seen.tables.length) {
              seen.tables = out.tables;
              seen.readiness = out.readiness;
            }
          } catch (err) {
            update(key, isAbortError(err) ? { status: 'cancelled' } : { status: 'failed', error: message(err) });
            // Out of memory names the file, how far it got and what to do: worth the banner, not only the row.
            if (err instanceof Error && err.name === 'OutOfMemory') setError(err.message);
          } finally {
            loads.current.delete(key);
          }
        }),
      );
      const loaded = seen.tables;
      if (loaded === null) return;
      setTables(loaded);
      setReadiness(seen.readiness);
      if (RULE_TABLES.every((t) => loaded.some((x) => x.name === t))) await detect(false);
    },
    [client, detect],
  );

  const onFiles = useCallback(
    (files: readonly File[]) => void load(files.map((f) => ({ name: f.name, fetched: false, open: async () => f }))),
    [load],
  );

  const hasData = detection !== null;
  /** Applies tuning edits; a change to the rule's inputs re-runs it at once. */
  const apply = (patch: Partial<TuningState>): void => {
    update(patch);
    if (patch.allowList) allowList.current = patch.allowList.entries.filter((e) => patch.allowList!.active.includes(e));
    if (patch.unknownBoot) unknownBoot.current = patch.unknownBoot;
    if ('knobs' in patch) knobs.current = patch.knobs;
    if ((patch.allowList !== undefined || patch.unknownBoot !== undefined || 'knobs' in patch) && hasData)
      void detect(true);
  };

  const pinGuard = usePinGuard(client, pinsOf(state), apply);
  /** Edits of the rule's inputs re-check the pins first (and wait for the analyst if one would break). */
  const tune = (patch: Partial<TuningState>): void => {
    if (patch.allowList === undefined && patch.unknownBoot === undefined && !('knobs' in patch)) apply(patch);
    else pinGuard.guard(patch, tuningInput(state), tuningInput({ ...state, ...patch }));
  };

  const toggle = (entry: string, on: boolean): void => {
    const next = new Set(active);
    if (on) next.add(entry);
    else next.delete(entry);
    tune({ allowList: { entries, active: entries.filter((e) => next.has(e)) } });
  };

  const add = (entry: string): void => {
    if (active.has(entry)) return;
    const nextEntries = entries.includes(entry) ? entries : [...entries, entry];
    tune({ allowList: { entries: nextEntries, active: nextEntries.filter((e) => e === entry || active.has(e)) } });
  };

  const loadState = (next: TuningState, problems: readonly string[]): void => {
    tuning.replace(next);
    allowList.current = next.allowList
      ? next.allowList.entries.filter((e) => next.allowList!.active.includes(e))
      : (rule?.allowList ?? null);
    unknownBoot.current = next.unknownBoot;
    knobs.current = next.knobs;
    setError(problems.length > 0 ? `Some of the state file was ignored: ${problems.join('; ')}` : null);
    if (hasData) void detect(true);
  };

  const clear = async (): Promise<void> => {
    for (const c of loads.current.values()) c.abort();
    run.current?.abort();
    try {
      await client.clear();
    } catch (err) {
      setError(message(err));
    }
    setJobs([]);
    setTables([]);
    setReadiness(null);
    setDetection(null);
    setDiff(null);
    setError(null);
  };

  const loading = jobs.some((j) => j.status === 'fetching' || j.status === 'reading');
  const missing = tables.length > 0 && !loading ? RULE_TABLES.filter((t) => !tables.some((x) => x.name === t)) : [];

  return (
    <ZoneContext.Provider value={state.zone}>
      <DropZone onFiles={onFiles}>
        <AppHeader rule={rule} mode={mode}>
          <ZoneSwitch zone={state.zone} onZone={(zone) => update({ zone })} />
          <StateFileControls state={state} onLoad={loadState} />
        </AppHeader>
        <main className="main">
          <LoadControls
            busy={loading}
            hasData={jobs.length > 0}
            onFiles={onFiles}
            onSample={() => void load(SAMPLE_FILES.map(sampleSource))}
            onClear={() => void clear()}
          />
          {pinGuard.pending && (
            <PinWarning pending={pinGuard.pending} onConfirm={pinGuard.confirm} onCancel={pinGuard.cancel} />
          )}
          {error !== null && (
            <ErrorBanner
              message={error}
              onDismiss={() => {
                setError(null);
                setRerun(false);
              }}
              {...(rerun && hasData
                ? {
                    action: {
                      label: 'Run the rule again',
                      onClick: () => {
                        setError(null);
                        setRerun(false);
                        void detect(true);
                      },
                    },
                  }
                : {})}
            />
          )}
          <FileProgressList jobs={jobs} onCancel={(key) => loads.current.get(key)?.abort()} />
          {jobs.length === 0 && <EmptyState />}
          <IngestReportPanel jobs={jobs} readiness={readiness} />
          {missing.length > 0 && (
            <p className="note" role="status">
              The rule reads {RULE_TABLES.join(' and ')}: load a {missing.join(' and a ')} export to run it.
            </p>
          )}
          {detection && (
            <ResultsView
              client={client}
              detection={detection}
              tables={tables}
              running={running}
              diff={diff}
              entries={entries}
              active={active}
              state={state}
              rule={rule}
              onToggle={toggle}
              onAdd={add}
              onTune={tune}
              onCancelRun={() => run.current?.abort()}
              onError={setError}
            />
          )}
        </main>
      </DropZone>
    </ZoneContext.Provider>
  );
}
