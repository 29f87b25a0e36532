/**
 * Seeded random query TEXTS in the supported KQL subset, valid by construction: the generator
 * tracks the schema (names and Kusto types, including join renaming and aggregate default names)
 * after every operator and only references columns that exist at that point.
 *
 * Results must be deterministic for the engine/reference comparison, so the generator also tracks
 * whether row order is defined: `take`/`top` only follow a sort over every column, the order-
 * dependent `innerunique` join only gets a left side in scan order, and `arg_max`/`arg_min` only
 * maximise the unique `ReportId`.
 */
import fc from 'fast-check';
import type { Scalar, ScalarType } from '../../src/engine/table/column';
import { formatDateTime, TICKS_PER_SECOND } from '../../src/engine/time/ticks';
import { aggregateName, uniqueNames } from './naming';
import { NETWORK_SCHEMA, NETWORK_TABLE, POOLS, PROCESS_SCHEMA, PROCESS_TABLE, TYPE_POOLS } from './random-data';

interface Col {
  readonly name: string;
  readonly type: ScalarType;
}

/** What the generator knows about an intermediate result. */
interface Shape {
  readonly cols: readonly Col[];
  /** Row order is the scan order in both engine and reference. */
  readonly ordered: boolean;
  /** `ReportId` is present and unique per row. */
  readonly uniqueId: boolean;
}

interface Typed {
  readonly text: string;
  readonly type: ScalarType;
}

/** mulberry32: tiny, seedable, good enough to pick among options. */
class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from empty list');
    return xs[this.int(xs.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
}

const NUMERIC: readonly ScalarType[] = ['int', 'long', 'real'];
const isNum = (t: ScalarType) => NUMERIC.includes(t);

/** KQL text of a literal of `type`; null becomes the typed null `long(null)` etc. */
export function literal(type: ScalarType, v: Scalar): string {
  if (v === null) return `${type}(null)`;
  switch (type) {
    case 'string':
      return JSON.stringify(v);
    case 'long':
      return String(v);
    case 'int':
      return `int(${String(v)})`;
    case 'real':
      return Number.isInteger(v) ? `${String(v)}.0` : String(v);
    case 'bool':
      return v ? 'true' : 'false';
    case 'datetime':
      return `datetime(${formatDateTime(v as bigint)})`;
    case 'timespan': {
      const t = v as bigint;
      const abs = t < 0n ? -t : t;
      const body = abs % TICKS_PER_SECOND === 0n ? `${abs / TICKS_PER_SECOND}s` : `${abs}tick`;
      return t < 0n ? `-${body}` : body;
    }
    case 'dynamic':
      return `dynamic(${JSON.stringify(v)})`;
  }
}

const HAS_NEEDLES = [
  'rpcss',
  'RpcSs',
  'dcomlaunch',
  'svchost',
  'exe',
  '-k',
  '.exe',
  'svchost.exe',
  'k RpcSs',
  'x',
  'rpcss_x',
  'RPCSS',
  'straße',
];
const STRING_OPS = [
  '==',
  '!=',
  '=~',
  '!~',
  'has',
  '!has',
  'has_cs',
  '!has_cs',
  'contains',
  '!contains',
  'contains_cs',
  '!contains_cs',
  'startswith',
  '!startswith',
  'startswith_cs',
  'endswith',
  '!endswith',
  'endswith_cs',
];
const JOIN_KINDS = [
  'inner',
  'leftouter',
  'rightouter',
  'fullouter',
  'leftsemi',
  'leftanti',
  'rightsemi',
  'rightanti',
  'innerunique',
  '',
];
const DIFF_PERIODS = [
  'second',
  'millisecond',
  'minute',
  'hour',
  'day',
  'week',
  'month',
  'year',
  'microsecond',
  'Second',
];

class QueryGen {
  private readonly lets: { name: string; shape: Shape }[] = [];
  private readonly dynLets: string[] = [];
  private counter = 0;

  constructor(private readonly rng: Rng) {}

  private fresh(prefix = 'c'): string {
    return `${prefix}${++this.counter}`;
  }

  private colsOf(s: Shape, pred: (t: ScalarType) => boolean): Col[] {
    return s.cols.filter((c) => pred(c.type));
  }

  private pool(c: Col): readonly Scalar[] {
    const p = POOLS[c.name];
    return p !== undefined && (c.type === 'string' || isNum(c.type)) ? p : TYPE_POOLS[c.type];
  }

  private lit(c: Col): string {
    const pool = this.pool(c).filter((v) => v !== null || this.rng.chance(0.3));
    return literal(c.type, pool.length === 0 ? null : this.rng.pick(pool));
  }

  // ---------------------------------------------------------------- predicates

  private predicate(s: Shape, depth: number): string {
    if (depth > 0 && this.rng.chance(0.35)) {
      const op = this.rng.pick(['and', 'or']);
      return `(${this.predicate(s, depth - 1)}) ${op} (${this.predicate(s, depth - 1)})`;
    }
    if (depth > 0 && this.rng.chance(0.08)) return `not(${this.predicate(s, depth - 1)})`;
    const atoms = [
      () => this.stringAtom(s),
      () => this.stringColumnsAtom(s),
      () => this.numberAtom(s),
      () => this.datetimeAtom(s),
      () => this.inAtom(s),
      () => this.nullnessAtom(s),
    ];
    for (let attempt = 0; attempt < 10; attempt++) {
      const a = this.rng.pick(atoms)();
      if (a !== null) return a;
    }
    return 'true';
  }

  private stringAtom(s: Shape): string | null {
    const cols = this.colsOf(s, (t) => t === 'string');
    if (cols.length === 0) return null;
    const c = this.rng.pick(cols);
    const op = this.rng.pick(STRING_OPS);
    const termOp = !op.includes('=') && !op.includes('~');
    // `has ""` is an open question (§2), so generated term needles are never empty.
    const needle = termOp && this.rng.chance(0.6) ? JSON.stringify(this.rng.pick(HAS_NEEDLES)) : this.lit(c);
    if (termOp && op.includes('has') && needle === '""') return null;
    return `${c.name} ${op} ${needle}`;
  }

  private stringColumnsAtom(s: Shape): string | null {
    const cols = this.colsOf(s, (t) => t === 'string');
    if (cols.length < 2) return null;
    return `${this.rng.pick(cols).name} ${this.rng.pick(['==', '!=', '=~', '!~'])} ${this.rng.pick(cols).name}`;
  }

  private numberAtom(s: Shape): string | null {
    const cols = this.colsOf(s, isNum);
    if (cols.length === 0) return null;
    const c = this.rng.pick(cols);
    const op = this.rng.pick(['==', '!=', '<', '<=', '>', '>=']);
    if (cols.length > 1 && this.rng.chance(0.3)) return `${c.name} ${op} ${this.rng.pick(cols).name}`;
    if (this.rng.chance(0.15))
      return `${c.name} ${this.rng.chance(0.5) ? '' : '!'}between (${this.lit(c)} .. ${this.lit(c)})`;
    return `${c.name} ${op} ${this.lit(c)}`;
  }

  private datetimeAtom(s: Shape): string | null {
    const cols = this.colsOf(s, (t) => t === 'datetime');
    if (cols.length === 0) return null;
    const a = this.rng.pick(cols);
    const b = this.rng.pick(cols);
    switch (this.rng.int(4)) {
      case 0:
        return `${a.name} ${this.rng.pick(['<', '<=', '>', '>=', '==', '!='])} ${this.lit(a)}`;
      case 1:
        return `${a.name} ${this.rng.chance(0.8) ? '' : '!'}between (${this.lit(a)} .. ${this.rng.chance(0.5) ? this.lit(a) : this.rng.pick(['2s', '5s', '1m'])})`;
      case 2:
        return `datetime_diff(${JSON.stringify(this.rng.pick(DIFF_PERIODS))}, ${a.name}, ${b.name}) between (0 .. 2)`;
      default:
        return `${a.name} > ${b.name} + ${this.rng.pick(['5m', '1s', '-1s', '0s'])}`;
    }
  }

  private tabularColumnSource(want: (t: ScalarType) => boolean): string | null {
    const options: string[] = [];
    for (const [name, schema] of [
      [NETWORK_TABLE, NETWORK_SCHEMA],
      [PROCESS_TABLE, PROCESS_SCHEMA],
    ] as const)
      for (const c of schema) if (want(c.type)) options.push(`${name} | project ${c.name}`);
    for (const l of this.lets)
      for (const c of l.shape.cols) if (want(c.type)) options.push(`${l.name} | project ${c.name}`);
    if (options.length === 0) return null;
    const src = this.rng.pick(options);
    // A null in the list makes `null !in (...)` null rather than true under the documented
    // AND-of-!= reading (§3); that case is undecided, so numeric lists never hold null.
    const numeric = !want('string');
    return numeric || this.rng.chance(0.3) ? `${src} | where isnotempty(${src.slice(src.lastIndexOf(' ') + 1)})` : src;
  }

  private inAtom(s: Shape): string | null {
    const cols = this.colsOf(s, (t) => t === 'string' || t === 'long' || t === 'int');
    if (cols.length === 0) return null;
    const c = this.rng.pick(cols);
    const str = c.type === 'string';
    const op = str ? this.rng.pick(['in', '!in', 'in~', '!in~']) : this.rng.pick(['in', '!in']);
    const pool = this.pool(c).filter((v) => v !== null);
    const values = Array.from({ length: 1 + this.rng.int(3) }, () => this.rng.pick(pool));
    let items: string;
    switch (this.rng.int(4)) {
      case 0:
        items = values.map((v) => literal(c.type === 'int' ? 'long' : c.type, v)).join(', ');
        break;
      case 1:
        items = `dynamic(${JSON.stringify(this.rng.chance(0.2) ? [values[0], values.slice(1)] : values)})`;
        break;
      case 2: {
        if (!str || this.dynLets.length === 0)
          return `${c.name} ${op} (${values.map((v) => literal(c.type, v)).join(', ')})`;
        items = this.rng.pick(this.dynLets);
        break;
      }
      default: {
        const src = this.tabularColumnSource(str ? (t) => t === 'string' : (t) => t === 'long' || t === 'int');
        if (src === null) return null;
        items = `(${src})`;
      }
    }
    return `${c.name} ${op} (${items})`;
  }

  private nullnessAtom(s: Shape): string | null {
    const c = this.rng.pick(s.cols);
    if (c.type === 'dynamic') return null;
    return `${this.rng.pick(['isnull', 'isnotnull', 'isempty', 'isnotempty'])}(${c.name})`;
  }

  // ---------------------------------------------------------------- computed columns

  private computed(s: Shape): Typed | null {
    const strs = this.colsOf(s, (t) => t === 'string');
    const nums = this.colsOf(s, (t) => t === 'long' || t === 'int');
    const dts = this.colsOf(s, (t) => t === 'datetime');
    // Reals are left out of tostring/strcat: Kusto prints 1E-07 where JS prints 1e-7.
    const scalars = this.colsOf(s, (t) => t !== 'dynamic' && t !== 'real');
    const options: (() => Typed | null)[] = [
      () =>
        dts.length === 0
          ? null
          : { text: `bin(${this.rng.pick(dts).name}, ${this.rng.pick(['5s', '1s', '1m', '1d'])})`, type: 'datetime' },
      () =>
        dts.length === 0
          ? null
          : {
              text: `datetime_diff(${JSON.stringify(this.rng.pick(DIFF_PERIODS))}, ${this.rng.pick(dts).name}, ${this.rng.pick(dts).name})`,
              type: 'long',
            },
      () =>
        dts.length === 0
          ? null
          : {
              text: `${this.rng.pick(dts).name} ${this.rng.pick(['+', '-'])} ${this.rng.pick(['5s', '1m', '100ms'])}`,
              type: 'datetime',
            },
      () =>
        dts.length === 0 ? null : { text: `${this.rng.pick(dts).name} - ${this.rng.pick(dts).name}`, type: 'timespan' },
      () =>
        dts.length === 0
          ? null
          : { text: `(${this.rng.pick(dts).name} - ${this.rng.pick(dts).name}) / 1s`, type: 'real' },
      () => {
        if (nums.length === 0) return null;
        const c = this.rng.pick(nums);
        const op = this.rng.pick(['+', '-', '*', '/', '%']);
        // Divisors are non-zero literals: integer division by zero is undocumented.
        const rhs =
          op === '/' || op === '%'
            ? this.rng.pick(['3', '2', '-2', 'int(7)'])
            : this.rng.pick(['1', '2', 'int(3)', c.name]);
        const type: ScalarType =
          c.type === 'int' && rhs.startsWith('int') ? 'int' : c.type === 'int' && rhs === c.name ? 'int' : 'long';
        return { text: `${c.name} ${op} ${rhs}`, type };
      },
      () =>
        nums.length === 0
          ? null
          : { text: `bin(${this.rng.pick(nums).name}, ${this.rng.pick(['100', '1000'])})`, type: 'long' },
      () =>
        strs.length === 0
          ? null
          : { text: `${this.rng.pick(['tolower', 'toupper'])}(${this.rng.pick(strs).name})`, type: 'string' },
      () => (strs.length === 0 ? null : { text: `strlen(${this.rng.pick(strs).name})`, type: 'long' }),
      () =>
        strs.length === 0
          ? null
          : { text: `strcat(${this.rng.pick(strs).name}, "|", ${this.rng.pick(scalars).name})`, type: 'string' },
      () => (scalars.length === 0 ? null : { text: `tostring(${this.rng.pick(scalars).name})`, type: 'string' }),
      () => (strs.length === 0 ? null : { text: `tolong(${this.rng.pick(strs).name})`, type: 'long' }),
      () => (nums.length === 0 ? null : { text: `tolong(tostring(${this.rng.pick(nums).name}))`, type: 'long' }),
      () =>
        strs.length === 0
          ? null
          : { text: `iff(${this.predicate(s, 0)}, ${this.rng.pick(strs).name}, "other")`, type: 'string' },
      () => ({ text: `case(${this.predicate(s, 0)}, "a", ${this.predicate(s, 0)}, "b", "c")`, type: 'string' }),
      () => ({ text: `${this.predicate(s, 1)}`, type: 'bool' }),
      () => (nums.length === 0 ? null : { text: `isnull(${this.rng.pick(nums).name})`, type: 'bool' }),
    ];
    for (let attempt = 0; attempt < 10; attempt++) {
      const t = this.rng.pick(options)();
      if (t !== null) return t;
    }
    return null;
  }

  // ---------------------------------------------------------------- operators

  private where(s: Shape): [string, Shape] {
    return [`where ${this.predicate(s, 2)}`, s];
  }

  private project(s: Shape): [string, Shape] {
    const items: string[] = [];
    const cols: Col[] = [];
    const names = new Set<string>();
    const keep = s.cols.filter(() => this.rng.chance(0.6));
    for (const c of keep.length > 0 ? keep : [s.cols[0]!]) {
      items.push(c.name);
      cols.push(c);
      names.add(c.name);
    }
    for (let i = this.rng.int(3); i > 0; i--) {
      const t = this.computed(s);
      if (t === null) continue;
      // An unnamed bin(X, ...) is named X (§11); only when X is not projected already.
      const bin = /^bin\((\w+), \d+\w*\)$/.exec(t.text);
      if (bin !== null && t.type === 'datetime' && !names.has(bin[1]!) && this.rng.chance(0.5)) {
        items.push(t.text);
        cols.push({ name: bin[1]!, type: t.type });
        names.add(bin[1]!);
        continue;
      }
      const name = this.fresh();
      items.push(`${name} = ${t.text}`);
      cols.push({ name, type: t.type });
      names.add(name);
    }
    return [`project ${items.join(', ')}`, { ...s, cols, uniqueId: s.uniqueId && names.has('ReportId') }];
  }

  private extend(s: Shape): [string, Shape] {
    const t = this.computed(s);
    if (t === null) return this.where(s);
    const name = this.fresh();
    return [`extend ${name} = ${t.text}`, { ...s, cols: [...s.cols, { name, type: t.type }] }];
  }

  private projectAway(s: Shape): [string, Shape] {
    if (s.cols.length < 3) return this.where(s);
    const drop = s.cols.filter(() => this.rng.chance(0.3)).slice(0, s.cols.length - 1);
    if (drop.length === 0) return this.where(s);
    const names = new Set(drop.map((c) => c.name));
    return [
      `project-away ${drop.map((c) => c.name).join(', ')}`,
      { ...s, cols: s.cols.filter((c) => !names.has(c.name)), uniqueId: s.uniqueId && !names.has('ReportId') },
    ];
  }

  private summarize(s: Shape): [string, Shape] {
    const scalars = this.colsOf(s, (t) => t !== 'dynamic' && t !== 'real');
    const byItems: string[] = [];
    const byCols: Col[] = [];
    for (let i = this.rng.int(3); i > 0 && scalars.length > 0; i--) {
      const c = this.rng.pick(scalars);
      if (c.type === 'datetime' && this.rng.chance(0.5)) {
        const named = this.rng.chance(0.5) ? this.fresh('k') : null;
        const name = named ?? c.name;
        if (byCols.some((b) => b.name === name)) continue;
        byItems.push(`${named === null ? '' : `${named} = `}bin(${c.name}, ${this.rng.pick(['5s', '1s', '1m'])})`);
        byCols.push({ name, type: 'datetime' });
      } else {
        if (byCols.some((b) => b.name === c.name)) continue;
        byItems.push(c.name);
        byCols.push(c);
      }
    }
    const aggItems: string[] = [];
    const aggCols: Col[] = [];
    const nums = this.colsOf(s, isNum);
    const ordered = this.colsOf(s, (t) => isNum(t) || t === 'datetime');
    const setable = this.colsOf(s, (t) => t === 'string' || t === 'long');
    for (let i = 1 + this.rng.int(3); i > 0; i--) {
      let fn: string;
      let arg = '';
      let type: ScalarType = 'long';
      switch (this.rng.int(9)) {
        case 0:
          fn = 'count';
          break;
        case 1:
          fn = 'countif';
          arg = this.predicate(s, 1);
          break;
        case 2: {
          if (scalars.length === 0) continue;
          fn = 'dcount';
          arg = this.rng.pick(scalars).name;
          break;
        }
        case 3:
        case 4: {
          // min/max over strings is left out: whether "" takes part is undocumented.
          if (ordered.length === 0) continue;
          fn = this.rng.pick(['min', 'max']);
          const c = this.rng.pick(ordered);
          arg = c.name;
          type = c.type;
          break;
        }
        case 5: {
          if (nums.length === 0) continue;
          fn = this.rng.pick(['sum', 'avg']);
          const c = this.rng.pick(nums);
          arg = c.name;
          type = fn === 'avg' || c.type === 'real' ? 'real' : 'long';
          break;
        }
        case 6:
        case 7: {
          if (setable.length === 0) continue;
          fn = this.rng.pick(['make_set', 'make_set', 'make_list']);
          arg = this.rng.pick(setable).name;
          type = 'dynamic';
          break;
        }
        default: {
          const id = s.cols.find((c) => c.name === 'ReportId');
          if (!s.uniqueId || id === undefined || id.type !== 'long') continue;
          fn = this.rng.pick(['arg_max', 'arg_min']);
          const others = s.cols.filter((c) => c.name !== 'ReportId' && this.rng.chance(0.4));
          aggItems.push(`${fn}(ReportId${others.map((c) => `, ${c.name}`).join('')})`);
          aggCols.push(id, ...others);
          continue;
        }
      }
      const call = `${fn}(${arg})`;
      if (this.rng.chance(0.4)) {
        const name = this.fresh('a');
        aggItems.push(`${name} = ${call}`);
        aggCols.push({ name, type });
      } else {
        aggItems.push(call);
        aggCols.push({
          name: aggregateName(
            fn,
            arg === '' || fn === 'countif'
              ? []
              : [{ kind: 'Name', name: arg, bracketed: false, span: { start: 0, end: 0 } }],
          ),
          type,
        });
      }
    }
    if (aggItems.length === 0) {
      aggItems.push('count()');
      aggCols.push({ name: 'count_', type: 'long' });
    }
    const all = [...byCols, ...aggCols];
    const names = uniqueNames(all.map((c) => c.name));
    const cols = all.map((c, i) => ({ name: names[i]!, type: c.type }));
    const text = `summarize ${aggItems.join(', ')}${byItems.length > 0 ? ` by ${byItems.join(', ')}` : ''}`;
    return [text, { cols, ordered: false, uniqueId: false }];
  }

  private sortedTake(s: Shape): [string, Shape] {
    if (s.cols.some((c) => c.type === 'dynamic')) return this.where(s);
    // A sort over every column makes the order total, so take/top are deterministic.
    const keys = s.cols
      .map((c) => `${c.name}${this.rng.pick(['', ' asc', ' desc', ' asc nulls last', ' desc nulls first'])}`)
      .sort(() => this.rng.next() - 0.5);
    const n = this.rng.int(6);
    if (this.rng.chance(0.5)) return [`top ${n} by ${keys.join(', ')}`, { ...s, ordered: true }];
    return [
      `${this.rng.pick(['sort', 'order'])} by ${keys.join(', ')}\n| ${this.rng.pick(['take', 'limit'])} ${n}`,
      { ...s, ordered: true },
    ];
  }

  private distinct(s: Shape): [string, Shape] {
    const cols = s.cols.filter((c) => c.type !== 'dynamic');
    if (cols.length === 0) return this.where(s);
    if (cols.length === s.cols.length && this.rng.chance(0.3)) return ['distinct *', { ...s, ordered: false }];
    const pick = cols.filter(() => this.rng.chance(0.4));
    const use = pick.length > 0 ? pick : [cols[0]!];
    return [`distinct ${use.map((c) => c.name).join(', ')}`, { cols: use, ordered: false, uniqueId: false }];
  }

  private join(s: Shape, depth: number): [string, Shape] {
    const [rightText, r] = this.pipeline(depth - 1, 2);
    const kindOf = (t: ScalarType) => (t === 'int' || t === 'long' ? 'integer' : t);
    const pairs: [Col, Col][] = [];
    for (const a of s.cols)
      for (const b of r.cols)
        if (a.type !== 'dynamic' && a.type !== 'real' && a.type !== 'bool' && kindOf(a.type) === kindOf(b.type))
          pairs.push([a, b]);
    if (pairs.length === 0) return this.where(s);
    const same = pairs.filter(([a, b]) => a.name === b.name);
    const chosen: [Col, Col][] = [];
    for (let i = 1 + this.rng.int(3); i > 0; i--) {
      const p = same.length > 0 && this.rng.chance(0.6) ? this.rng.pick(same) : this.rng.pick(pairs);
      if (!chosen.includes(p)) chosen.push(p);
    }
    const on = chosen.map(([a, b]) =>
      a.name === b.name && this.rng.chance(0.7) ? a.name : `$left.${a.name} == $right.${b.name}`,
    );
    const kinds = s.ordered ? JOIN_KINDS : JOIN_KINDS.filter((k) => k !== 'innerunique' && k !== '');
    const kind = this.rng.pick(kinds);
    const kindText = kind === '' ? '' : ` kind=${kind}`;
    const hint = this.rng.chance(0.1) ? ' hint.strategy=broadcast' : '';
    const text = `join${kindText}${hint} (\n    ${rightText.replace(/\n/g, '\n    ')}\n) on ${on.join(', ')}`;
    if (kind === 'leftsemi' || kind === 'leftanti') return [text, { ...s, ordered: false }];
    if (kind === 'rightsemi' || kind === 'rightanti') return [text, { ...r, ordered: false }];
    const all = [...s.cols, ...r.cols];
    const names = uniqueNames(all.map((c) => c.name));
    return [text, { cols: all.map((c, i) => ({ name: names[i]!, type: c.type })), ordered: false, uniqueId: false }];
  }

  private unionWith(s: Shape, depth: number): [string, Shape] {
    const [otherText, o] = this.pipeline(depth - 1, 1);
    const cols = [...s.cols];
    for (const c of o.cols) {
      const have = cols.find((x) => x.name === c.name);
      // Kusto would split a type clash into name_type columns; the subset avoids it.
      if (have !== undefined && have.type !== c.type) return this.where(s);
      if (have === undefined) cols.push(c);
    }
    return [`union (${otherText.replace(/\n/g, ' ')})`, { cols, ordered: false, uniqueId: false }];
  }

  private operator(s: Shape, depth: number): [string, Shape] {
    const r = this.rng.int(100);
    if (r < 25) return this.where(s);
    if (r < 37) return this.project(s);
    if (r < 47) return this.extend(s);
    if (r < 60) return this.summarize(s);
    if (r < 72 && depth > 0) return this.join(s, depth);
    if (r < 79) return this.sortedTake(s);
    if (r < 85) return this.distinct(s);
    if (r < 88) return ['count', { cols: [{ name: 'Count', type: 'long' }], ordered: false, uniqueId: false }];
    if (r < 93 && depth > 0) return this.unionWith(s, depth);
    if (r < 97) return this.projectAway(s);
    const sortable = s.cols.filter((c) => c.type !== 'dynamic');
    if (sortable.length === 0) return this.where(s);
    // A sort on one key leaves ties in an undefined order; the comparison is order-insensitive.
    return [`${this.rng.pick(['sort', 'order'])} by ${this.rng.pick(sortable).name}`, { ...s, ordered: false }];
  }

  private source(): [string, Shape] {
    const r = this.rng.int(10);
    if (r < 2 && this.lets.length > 0) {
      const l = this.rng.pick(this.lets);
      return [l.name, l.shape];
    }
    if (r < 3) {
      const cols: Col[] = [...NETWORK_SCHEMA];
      for (const c of PROCESS_SCHEMA) if (!cols.some((x) => x.name === c.name)) cols.push(c);
      // ReportIds of the two tables do not overlap (random-data), so they stay unique.
      return [`union ${NETWORK_TABLE}, ${PROCESS_TABLE}`, { cols, ordered: false, uniqueId: true }];
    }
    if (r < 4) {
      const rows = Array.from({ length: this.rng.int(4) }, () => [
        this.rng.pick(POOLS.DeviceId!),
        this.rng.pick(POOLS.ProcessId!),
        this.rng.pick(TYPE_POOLS.datetime.concat([null])),
      ]);
      const values = rows.flatMap(([d, p, t]) => [literal('string', d!), literal('long', p!), literal('datetime', t!)]);
      return [
        `datatable(DeviceId:string, ProcessId:long, Timestamp:datetime)[${values.join(', ')}]`,
        {
          cols: [
            { name: 'DeviceId', type: 'string' },
            { name: 'ProcessId', type: 'long' },
            { name: 'Timestamp', type: 'datetime' },
          ],
          ordered: true,
          uniqueId: false,
        },
      ];
    }
    const [name, schema] = this.rng.chance(0.5) ? [NETWORK_TABLE, NETWORK_SCHEMA] : [PROCESS_TABLE, PROCESS_SCHEMA];
    return [name, { cols: schema, ordered: true, uniqueId: true }];
  }

  /** A source and up to `maxOps` operators; `depth` bounds nested joins and unions. */
  pipeline(depth: number, maxOps: number): [string, Shape] {
    let [text, shape] = this.source();
    for (let i = this.rng.int(maxOps + 1); i > 0; i--) {
      const [op, next] = this.operator(shape, depth);
      text += `\n| ${op}`;
      shape = next;
    }
    return [text, shape];
  }

  query(): string {
    const statements: string[] = [];
    if (this.rng.chance(0.3)) {
      const name = this.fresh('names');
      const values = Array.from({ length: 1 + this.rng.int(4) }, () => this.rng.pick(POOLS.FileName!));
      statements.push(`let ${name} = dynamic(${JSON.stringify(values)});`);
      this.dynLets.push(name);
    }
    for (let i = this.rng.int(3); i > 0; i--) {
      const [text, shape] = this.pipeline(1, 3);
      const name = this.fresh('L');
      statements.push(this.rng.chance(0.5) ? `let ${name} = materialize(${text});` : `let ${name} = ${text};`);
      this.lets.push({ name, shape: { ...shape, ordered: shape.ordered } });
    }
    const [text] = this.pipeline(2, 5);
    statements.push(text);
    return statements.join('\n');
  }
}

/** One random query text from a seed (deterministic). */
export function generateQuery(seed: number): string {
  return new QueryGen(new Rng(seed)).query();
}

/** Seeded arbitrary of query texts; shrinking moves to smaller seeds, i.e. other queries. */
export const queryArb: fc.Arbitrary<string> = fc.noBias(fc.integer({ min: 0, max: 0x7fffffff })).map(generateQuery);
