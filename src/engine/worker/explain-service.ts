/**
 * Explain mode behind the worker protocol: runs `explainQuery` on the tuned rule (allow-list edits
 * and the unknown-boot knob spliced into its text), keeps the answer per tuning state and per
 * loaded data (the tables map changes identity on every load), and opens its candidates.
 */
import { Cooperator, type Foreground } from '../execute/cooperate';
import { explainQuery, type ExplainResult } from '../explain/explain';
import type { RuleDefinition } from '../rule/rule';
import { tuneQuery } from '../rule/tune';
import { compileQuery } from '../run';
import type { Table } from '../table/table';
import { candidateDetail } from './candidate-detail';
import type { CandidateView, ExplainView, TuningInput } from './explain-protocol';
import { explainView } from './explain-view';
import type { HitContext } from './hit-detail';
import type { HitDetail } from './protocol';
import { childExclusions, hitContext } from './rule-view';

/** Tuning states kept per data set (what-if previews flip between a few). */
const CACHE_SIZE = 12;

class ExplainError extends Error {
  constructor(name: string, message: string) {
    super(message);
    this.name = name;
  }
}

/** The rule's query with the tuning spliced in, and the allow-list in force. */
export function tunedQuery(rule: RuleDefinition, tuning: TuningInput): { query: string; allowList: readonly string[] } {
  return tuneQuery(rule.query, tuning);
}

interface Explained {
  readonly view: ExplainView;
  readonly byKey: ReadonlyMap<string, CandidateView>;
  readonly ctx: HitContext;
}

/**
 * One explain run, shared by the requests that want its tuning state. It runs under its own
 * signal, aborted when every request waiting on it has been cancelled (then it stops at its next
 * checkpoint and leaves the cache).
 */
interface Job {
  readonly promise: Promise<Explained>;
  readonly controller: AbortController;
  waiters: number;
  settled: boolean;
}

function abortError(): Error {
  return new ExplainError('AbortError', 'the request was cancelled');
}

export class ExplainService {
  private data: ReadonlyMap<string, Table> | null = null;
  private readonly cache = new Map<string, Job>();
  /** The cooperator of the latest run started (it counts its yields), and how many runs started. */
  lastRun: Cooperator | null = null;
  runs = 0;

  /** `foreground`: the engine's foreground work, behind which every explain run parks (background work). */
  constructor(
    private readonly now: () => bigint,
    private readonly foreground?: Foreground,
  ) {}

  /** The explanation for this tuning (cached per tuning state and data set). */
  async explain(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    signal: AbortSignal,
  ): Promise<ExplainView> {
    return (await this.explained(rule, tables, tuning, signal)).view;
  }

  async detail(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    key: string,
    signal: AbortSignal,
  ): Promise<HitDetail> {
    const e = await this.explained(rule, tables, tuning, signal);
    const c = e.byKey.get(key);
    if (!c) throw new ExplainError('RangeError', `no candidate ${key}`);
    return candidateDetail(tables, c, e.ctx);
  }

  /** Waits for the run of this tuning (starting it if needed) until `signal` aborts. */
  private explained(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    signal: AbortSignal,
  ): Promise<Explained> {
    if (signal.aborted) return Promise.reject(abortError());
    const job = this.job(rule, tables, tuning);
    job.waiters++;
    return new Promise<Explained>((resolve, reject) => {
      const onAbort = (): void => {
        job.waiters--;
        if (job.waiters === 0 && !job.settled) job.controller.abort();
        reject(abortError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      job.promise.then(resolve, reject).finally(() => {
        signal.removeEventListener('abort', onAbort);
        if (!signal.aborted) job.waiters--;
      });
    });
  }

  private job(rule: RuleDefinition, tables: ReadonlyMap<string, Table>, tuning: TuningInput): Job {
    if (this.data !== tables) {
      // Runs on the old data finish for whoever still waits on them (or stop when they cancel).
      this.data = tables;
      this.cache.clear();
    }
    const { query, allowList } = tunedQuery(rule, tuning);
    const hit = this.cache.get(query);
    if (hit && !hit.controller.signal.aborted) {
      // Most recently used last.
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    const controller = new AbortController();
    const coop = new Cooperator(controller.signal, undefined, this.foreground);
    this.lastRun = coop;
    this.runs++;
    const promise = this.run(rule, tables, tuning, query, allowList, coop);
    const job: Job = { promise, controller, waiters: 0, settled: false };
    this.cache.set(query, job);
    // A failed or cancelled run is not kept: the next request runs it again.
    promise.then(
      () => (job.settled = true),
      () => {
        job.settled = true;
        if (this.cache.get(query) === job) this.cache.delete(query);
      },
    );
    controller.signal.addEventListener('abort', () => this.cache.get(query) === job && this.cache.delete(query), {
      once: true,
    });
    while (this.cache.size > CACHE_SIZE) {
      const [oldKey, old] = this.cache.entries().next().value!;
      if (!old.settled && old.waiters === 0) old.controller.abort();
      this.cache.delete(oldKey);
    }
    return job;
  }

  private async run(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    query: string,
    allowList: readonly string[],
    coop: Cooperator,
  ): Promise<Explained> {
    const needed = rule.dataTypes.length > 0 ? rule.dataTypes : ['DeviceNetworkEvents', 'DeviceProcessEvents'];
    const missing = needed.filter((n) => !tables.has(n));
    if (missing.length > 0)
      throw new ExplainError(
        'MissingTable',
        `load a ${missing.join(' and a ')} export: the rule reads ${needed.join(' and ')}`,
      );
    const { view } = await explainTunedQuery(query, tables, this.now(), tuning, allowList, coop);
    return {
      view,
      byKey: new Map(view.candidates.map((c) => [c.key, c])),
      ctx: hitContext(query, allowList, tuning.unknownBoot),
    };
  }
}

/**
 * Explain mode over the tuned rule's text (the worker's explain service and the CLI's `--funnel`
 * and `--near-misses`): the engine's explanation, and the view of it the dashboard and the
 * near-miss CSV read. `allowList` is the list in force.
 */
export async function explainTunedQuery(
  query: string,
  tables: ReadonlyMap<string, Table>,
  now: bigint,
  tuning: TuningInput,
  allowList: readonly string[],
  coop: Cooperator = new Cooperator(),
): Promise<{ result: ExplainResult; view: ExplainView }> {
  const t0 = performance.now();
  const { plan, diagnostics } = compileQuery(query, tables, now, { optimise: false });
  if (!plan)
    throw new ExplainError('RuleError', diagnostics.map((d) => d.message).join('; ') || 'the rule does not compile');
  await coop.checkpoint();
  const result = await explainQuery(plan, tables, { cooperator: coop });
  const view = await explainView(
    result,
    tables,
    {
      tuning: {
        allowList: tuning.allowList === null ? null : [...tuning.allowList],
        unknownBoot: tuning.unknownBoot,
        ...(tuning.knobs ? { knobs: tuning.knobs } : {}),
      },
      query,
      allowList,
      childExclusions: childExclusions(query),
      elapsedMs: performance.now() - t0,
    },
    coop,
  );
  return { result, view };
}
