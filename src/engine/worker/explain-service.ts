/**
 * Explain mode behind the worker protocol: runs `explainQuery` on the tuned rule (allow-list edits
 * and the unknown-boot knob spliced into its text), keeps the answer per tuning state and per
 * loaded data (the tables map changes identity on every load), and opens its candidates.
 */
import { explainQuery } from '../explain/explain';
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

function raceAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abortError(): Error {
  return new ExplainError('AbortError', 'the request was cancelled');
}

export class ExplainService {
  private data: ReadonlyMap<string, Table> | null = null;
  private readonly cache = new Map<string, Promise<Explained>>();

  constructor(private readonly now: () => bigint) {}

  /** The explanation for this tuning (cached per tuning state and data set). */
  async explain(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    signal: AbortSignal,
  ): Promise<ExplainView> {
    return (await raceAbort(this.explained(rule, tables, tuning), signal)).view;
  }

  async detail(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    key: string,
    signal: AbortSignal,
  ): Promise<HitDetail> {
    const e = await raceAbort(this.explained(rule, tables, tuning), signal);
    const c = e.byKey.get(key);
    if (!c) throw new ExplainError('RangeError', `no candidate ${key}`);
    return candidateDetail(tables, c, e.ctx);
  }

  private explained(rule: RuleDefinition, tables: ReadonlyMap<string, Table>, tuning: TuningInput): Promise<Explained> {
    if (this.data !== tables) {
      this.data = tables;
      this.cache.clear();
    }
    const { query, allowList } = tunedQuery(rule, tuning);
    const hit = this.cache.get(query);
    if (hit) {
      // Most recently used last.
      this.cache.delete(query);
      this.cache.set(query, hit);
      return hit;
    }
    const job = this.run(rule, tables, tuning, query, allowList);
    this.cache.set(query, job);
    job.catch(() => this.cache.get(query) === job && this.cache.delete(query));
    while (this.cache.size > CACHE_SIZE) this.cache.delete(this.cache.keys().next().value!);
    return job;
  }

  private async run(
    rule: RuleDefinition,
    tables: ReadonlyMap<string, Table>,
    tuning: TuningInput,
    query: string,
    allowList: readonly string[],
  ): Promise<Explained> {
    const needed = rule.dataTypes.length > 0 ? rule.dataTypes : ['DeviceNetworkEvents', 'DeviceProcessEvents'];
    const missing = needed.filter((n) => !tables.has(n));
    if (missing.length > 0)
      throw new ExplainError(
        'MissingTable',
        `load a ${missing.join(' and a ')} export: the rule reads ${needed.join(' and ')}`,
      );
    const t0 = performance.now();
    const { plan, diagnostics } = compileQuery(query, tables, this.now(), { optimise: false });
    if (!plan)
      throw new ExplainError('RuleError', diagnostics.map((d) => d.message).join('; ') || 'the rule does not compile');
    const result = await explainQuery(plan, tables);
    const exclusions = childExclusions(query);
    const view = explainView(result, tables, {
      tuning: {
        allowList: tuning.allowList === null ? null : [...tuning.allowList],
        unknownBoot: tuning.unknownBoot,
        ...(tuning.knobs ? { knobs: tuning.knobs } : {}),
      },
      query,
      allowList,
      childExclusions: exclusions,
      elapsedMs: performance.now() - t0,
    });
    return {
      view,
      byKey: new Map(view.candidates.map((c) => [c.key, c])),
      ctx: hitContext(query, allowList, tuning.unknownBoot),
    };
  }
}
