/**
 * The dcomlens command line: the same engine as the browser, over files on disk.
 *
 *   dcomlens detect FILE... [--rule FILE] [--allow a.exe,b.exe | --allow-file FILE]
 *                   [--unknown-boot drop|keep] [--window LO..HI] [--boot-grace 5m] [--exclude-children a.exe,b.exe]
 *                   [--out FILE] [--format csv|json] [--explain] [--funnel] [--near-misses FILE] [--strict] [--raw]
 *   dcomlens run --query FILE.kql --table Name=FILE [--table Name=FILE ...] [--out FILE] [--format csv|json] [--explain] [--raw]
 *
 * Exit status: 0 on success, 2 on bad input (usage, files, rule, query), 130 when interrupted.
 */
import { availableParallelism } from 'node:os';
import { ALERT_COLUMNS } from '../engine/output/alert-columns';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { basename } from 'node:path';
import { formatDiagnostic } from '../engine/kql/diagnostics';
import { ingestAny, concatTables } from '../engine/ingest/ingest';
import { nodeFileSource } from '../engine/ingest/node-source';
import { cliCsvSplitter } from './csv-parts';
import { enrichTablesAcrossFiles } from '../engine/ingest/windows';
import type { DefenderTableName } from '../engine/ingest/recognise-table';
import type { IngestReport } from '../engine/ingest/ingest-report';
import { explainTunedQuery } from '../engine/worker/explain-service';
import { formatCsv, formatJson } from '../engine/output/format-results';
import { ruleReadiness } from '../engine/rule/readiness';
import {
  applyKnobs,
  checkBootGrace,
  checkExclusions,
  checkWindow,
  parseTimespanSeconds,
  type RuleKnobs,
} from '../engine/rule/knobs';
import {
  loadRule,
  positionInRuleFile,
  readLetList,
  replaceLetList,
  setUnknownBoot,
  type RuleDefinition,
} from '../engine/rule/rule';
import { decodeColumns } from '../engine/worker/decode-columns';
import type { ExplainView, TuningInput } from '../engine/worker/explain-protocol';
import { nearMissesCsv } from '../engine/worker/near-misses';
import { compileQuery, executePlan, wallClockTicks } from '../engine/run';
import { DEFENDER_TABLES } from '../engine/table/defender-schema';
import type { Table } from '../engine/table/table';
import { formatDateTime } from '../engine/time/ticks';

export { ALERT_COLUMNS } from '../engine/output/alert-columns';

const USAGE = `usage:
  dcomlens detect FILE... [--rule FILE] [--allow a.exe,b.exe | --allow-file FILE]
                  [--unknown-boot drop|keep] [--window LO..HI] [--boot-grace 5m] [--exclude-children a.exe,b.exe]
                  [--out FILE] [--format csv|json] [--explain] [--funnel]
                  [--near-misses FILE] [--strict] [--raw] [--threads N]
  dcomlens run --query FILE.kql --table Name=FILE [--table Name=FILE ...]
               [--out FILE] [--format csv|json] [--explain] [--raw] [--threads N]

  FILE        Defender DeviceNetworkEvents / DeviceProcessEvents exports (CSV, TSV, Arrow IPC);
              the table is recognised from the columns.
  --rule      a Sentinel rule YAML (default: the shipped DCOM Lateral Movement rule)
  --allow     replaces the rule's allowListedExecs (comma-separated file names)
  --allow-file  the same, one file name per line (# comments allowed)
  --unknown-boot  drop (default, as the rule is written) or keep candidates on devices
              with no services.exe start in the data (rewrites the boot filter to
              \`where isnull(LastBootTime) or ...\`)
  --window    the RPC → DCOM window: \`datetime_diff("second", …) between (LO .. HI)\`,
              integers, e.g. 0..5 (default: as written, 0..2)
  --boot-grace  the time after boot that is ignored: \`LastBootTime+5m\`; 90s, 5m, 1h, 2d
              (default: as written, 5m)
  --exclude-children  replaces the child exclusions \`FileName !in~ ("csc.exe")\`
              (comma-separated file names; an empty value excludes nothing)
  --out       write the result here instead of standard output
  --format    csv (default) or json
  --explain   print the plan with per-stage row counts to standard error; with detect,
              also the funnel (as --funnel)
  --funnel    print how many candidates each stage suppressed (overall and per device)
  --near-misses  (detect) write the suppressed candidates, closest first, one row per
              chain, with the stage, predicate and measured value that stopped each, as CSV
  --strict    exit 2 when any input row is rejected (default: report it and go on)
  --raw       do not neutralise spreadsheet formulas in CSV cells
  --threads   threads that read a large CSV in parts (default: one per core; 1 reads
              it in one piece); the result is the same either way
`;

/**
 * The shipped rule YAML: next to the sources (src/cli → src/rules) or, from the bundle, in the
 * package's src/rules (dist-cli → src/rules). Read at run time so the YAML stays the one truth.
 */
function shippedRulePath(): string {
  for (const rel of ['../rules/dcom-lateral-movement.yaml', '../src/rules/dcom-lateral-movement.yaml']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return p;
  }
  throw new CliError('the shipped rule file src/rules/dcom-lateral-movement.yaml is missing; pass --rule FILE');
}

/** A user-facing failure: printed without a stack, exit status 2. */
class CliError extends Error {}

interface Io {
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

const defaultIo: Io = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
};

interface ParsedArgs {
  readonly positional: string[];
  readonly options: Map<string, string[]>;
  readonly flags: Set<string>;
}

const VALUE_OPTIONS = new Set([
  '--rule',
  '--allow',
  '--allow-file',
  '--out',
  '--format',
  '--query',
  '--table',
  '--unknown-boot',
  '--window',
  '--boot-grace',
  '--exclude-children',
  '--near-misses',
  '--threads',
]);
const FLAG_OPTIONS = new Set(['--explain', '--funnel', '--raw', '--strict', '--help', '-h']);

function parseArgs(argv: readonly string[]): ParsedArgs {
  const positional: string[] = [];
  const options = new Map<string, string[]>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const eq = a.indexOf('=');
    const name = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (VALUE_OPTIONS.has(name)) {
      const value = name !== a ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new CliError(`${name} needs a value`);
      options.set(name, [...(options.get(name) ?? []), value]);
    } else if (FLAG_OPTIONS.has(a)) flags.add(a);
    else if (a.startsWith('-') && a !== '-') throw new CliError(`unknown option ${a}`);
    else positional.push(a);
  }
  return { positional, options, flags };
}

function one(args: ParsedArgs, name: string): string | undefined {
  const v = args.options.get(name);
  if (v && v.length > 1) throw new CliError(`${name} given more than once`);
  return v?.[0];
}

/** `--threads N` (1..64), default one per core. */
function threadsOf(args: ParsedArgs): number {
  const v = one(args, '--threads');
  if (v === undefined) return availableParallelism();
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > 64)
    throw new CliError(`--threads takes a whole number from 1 to 64, not ${v}`);
  return n;
}

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function describeReport(r: IngestReport): string {
  const range = r.timeRange ? `, ${formatDateTime(r.timeRange.min)} .. ${formatDateTime(r.timeRange.max)}` : '';
  const skipped = r.rowsSkipped ? `, ${r.rowsSkipped} skipped` : '';
  let s = `${r.file}: ${r.table} (${r.format}), ${r.rowsLoaded} rows loaded, ${r.rowsRejected} rejected${skipped}${range}\n`;
  for (const rej of r.rejects.slice(0, 5)) {
    s += `  ${r.file}:${rej.line}${rej.position ? `:${rej.position}` : ''}: ${rej.column ? `${rej.column}: ` : ''}${rej.reason}\n`;
  }
  if (r.rowsRejected > 5) s += `  ... and ${r.rowsRejected - Math.min(5, r.rejects.length)} more rejected rows\n`;
  for (const w of r.warnings) s += `  warning: ${w}\n`;
  if (r.precisionNote) s += `  note: ${r.precisionNote}\n`;
  return s;
}

/** Loads files into tables by name (recognised, or forced by `names`), merging splits of one table. */
async function loadTables(
  files: readonly { path: string; name?: string }[],
  needed: ReadonlyMap<string, readonly string[]>,
  io: Io,
  strict: boolean,
  threads: number,
  explain = false,
): Promise<Map<string, Table>> {
  const parts = new Map<string, Table[]>();
  for (const f of files) {
    const forced = f.name && f.name in DEFENDER_TABLES ? (f.name as DefenderTableName) : undefined;
    const columns = f.name ? needed.get(f.name) : undefined;
    let results;
    try {
      results = await ingestAny(basename(f.path), await nodeFileSource(f.path), {
        ...(forced ? { table: forced } : {}),
        ...(f.name ? { tableName: f.name } : {}),
        ...(columns ? { columns } : {}),
        // Files are recognised from their header; each then decodes only what the query reads.
        columnsByTable: Object.fromEntries(needed),
        // A large CSV is read in parts on every core (csv-split.ts): the same table, sooner.
        ...(threads > 1 ? { csvSplitter: cliCsvSplitter(f.path, threads) } : {}),
      });
    } catch (err) {
      throw new CliError(`cannot read ${f.path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    // One file may hold several tables (a zip, a streaming-API export, Windows event logs):
    // then a part that is unreadable or of no known table is reported and left out.
    const several = results.length > 1;
    for (const { table, report, partsInParallel } of results) {
      const label = several ? report.file : f.path;
      if (partsInParallel && explain)
        io.err(`${label}: read in ${partsInParallel + 1} parts at once (${partsInParallel} in worker threads)\n`);
      if (report.fatal) {
        if (!several) throw new CliError(`${f.path}: ${report.fatal}`);
        io.err(`warning: ${label}: ${report.fatal}; not loaded\n`);
        continue;
      }
      io.err(describeReport(report));
      if (strict && report.rowsRejected > 0) {
        const first = report.rejects[0];
        throw new CliError(
          `${label}: ${report.rowsRejected} rows rejected (--strict)${first ? `; first at ${label}:${first.line}${first.position ? `:${first.position}` : ''}: ${first.reason}` : ''}`,
        );
      }
      const name = f.name ?? report.recognised ?? (report.table in DEFENDER_TABLES ? report.table : null);
      if (!name) {
        if (several || (report.rowsLoaded === 0 && (report.rowsSkipped ?? 0) > 0)) {
          io.err(`warning: ${label}: no DeviceNetworkEvents or DeviceProcessEvents rows; not loaded\n`);
          continue;
        }
        throw new CliError(
          `${f.path}: not a recognised table (expected the columns of DeviceNetworkEvents or DeviceProcessEvents); found: ${report.columnsMapped
            .map((c) => c.source)
            .slice(0, 12)
            .join(', ')}`,
        );
      }
      parts.set(name, [...(parts.get(name) ?? []), name === table.name ? table : { ...table, name }]);
    }
  }
  // Sysmon / Security files are resolved together once all are read: EID 3 and EID 1, 5156 and
  // 4688 of one process may sit in different files (ingest/windows, schemas.md §7).
  const enriched = enrichTablesAcrossFiles([...parts.values()].flat());
  let k = 0;
  for (const [name, list] of parts)
    parts.set(
      name,
      list.map(() => enriched[k++]!),
    );
  const tables = new Map<string, Table>();
  for (const [name, list] of parts) {
    if (list.length === 1) tables.set(name, list[0]!);
    else {
      const merged = concatTables(list, name);
      for (const w of merged.warnings) io.err(`warning: ${name}: ${w}\n`);
      tables.set(name, merged.table);
    }
  }
  return tables;
}

async function runAndWrite(
  queryText: string,
  queryFile: string,
  toFilePosition: (d: { line: number; column: number }) => { line: number; column: number },
  tables: Map<string, Table>,
  args: ParsedArgs,
  io: Io,
  leading: readonly string[],
  /** The tuning `detect` applied to the rule (for explain mode); null for `run`. */
  tuning: TuningInput | null,
): Promise<void> {
  const now = wallClockTicks();
  const { plan, diagnostics } = compileQuery(queryText, tables, now);
  if (!plan) {
    const shifted = diagnostics.map((d) => ({ ...d, ...toFilePosition(d) }));
    throw new CliError(shifted.map((d) => formatDiagnostic(d, queryFile)).join('\n'));
  }
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  try {
    const result = await executePlan(plan, tables, { now, signal: controller.signal }, diagnostics);
    if (args.flags.has('--explain')) io.err(`now() = ${formatDateTime(now)}\n${result.explain}`);
    const nearMissFile = one(args, '--near-misses');
    const funnel = args.flags.has('--funnel') || (tuning !== null && args.flags.has('--explain'));
    if (funnel || nearMissFile !== undefined) {
      const explained = await explainForCli(queryText, tables, now, tuning);
      if (funnel) io.err(explained.funnel);
      if (nearMissFile !== undefined) {
        await writeFile(nearMissFile, nearMissesCsv(explained.view, { raw: args.flags.has('--raw') }), 'utf8');
        io.err(`${explained.view.nearMisses.length} near misses written to ${nearMissFile}\n`);
      }
    }
    const format = one(args, '--format') ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new CliError(`--format must be csv or json, not ${format}`);
    const opts = { leadingColumns: leading, raw: args.flags.has('--raw') };
    const text = format === 'csv' ? formatCsv(result.table, opts) : formatJson(result.table, opts);
    const out = one(args, '--out');
    if (out) {
      await writeFile(out, text, 'utf8');
      io.err(`${result.table.rowCount} rows written to ${out}\n`);
    } else io.out(text);
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}

/**
 * Explain mode for `--funnel` and `--near-misses`: why every candidate did or did not become an
 * alert, per stage and per device, and the near-miss list, from one explain run.
 */
async function explainForCli(
  queryText: string,
  tables: Map<string, Table>,
  now: bigint,
  tuning: TuningInput | null,
): Promise<{ funnel: string; view: ExplainView }> {
  const allowList = readLetList(queryText, 'allowListedExecs') ?? [];
  let explained;
  try {
    explained = await explainTunedQuery(
      queryText,
      tables,
      now,
      tuning ?? { allowList: null, unknownBoot: 'drop' },
      allowList,
    );
  } catch (err) {
    if ((err as Error).name === 'RuleError') throw new CliError((err as Error).message);
    throw err;
  }
  const { result: r, view } = explained;
  const alerts = r.candidates.filter((c) => c.state === 'alert').length;
  let s = `funnel: ${r.candidates.length} candidates (${r.spines.join(', ')}): ${alerts} in alerts\n`;
  for (const f of r.funnel) {
    s += `  ${String(f.suppressed).padStart(6)} suppressed at: ${f.stage.replace(/\s+/g, ' ').slice(0, 100)}\n`;
    for (const [p, n] of f.byPredicate) if (f.byPredicate.size > 1) s += `  ${String(n).padStart(10)}  by ${p}\n`;
    for (const [g, n] of [...f.byGroup].sort((a, b) => b[1] - a[1]).slice(0, 5))
      s += `  ${String(n).padStart(10)}  on ${g || '(no device)'}\n`;
  }
  return { funnel: s, view };
}

function withViewColumns(
  required: ReadonlyMap<string, readonly string[]>,
  rule: RuleDefinition,
): Map<string, readonly string[]> {
  const views = decodeColumns(rule);
  return new Map([...required].map(([name, cols]) => [name, [...new Set([...cols, ...(views[name] ?? [])])]]));
}

function parseAllowList(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.replace(/#.*$/, '').trim())
    .filter((s) => s !== '');
}

/** Runs an engine value check, naming the flag on failure. */
function checked(flag: string, check: () => void): void {
  try {
    check();
  } catch (err) {
    throw new CliError(`${flag}: ${(err as Error).message}`);
  }
}

/** `--window`, `--boot-grace`, `--exclude-children` as knobs (CliError naming the flag on a bad value). */
function knobArgs(args: ParsedArgs): RuleKnobs {
  const knobs: { -readonly [K in keyof RuleKnobs]: RuleKnobs[K] } = {};
  const window = one(args, '--window');
  if (window !== undefined) {
    const m = /^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*$/.exec(window);
    if (!m) throw new CliError(`--window takes LO..HI (integers, e.g. 0..5), not ${window}`);
    const w = { lo: Number(m[1]), hi: Number(m[2]) };
    checked('--window', () => checkWindow(w.lo, w.hi));
    knobs.window = w;
  }
  const grace = one(args, '--boot-grace');
  if (grace !== undefined) {
    const seconds = parseTimespanSeconds(grace);
    if (seconds === null) throw new CliError(`--boot-grace takes a timespan such as 90s, 5m, 1h or 2d, not ${grace}`);
    checked('--boot-grace', () => checkBootGrace(seconds));
    knobs.bootGraceSeconds = seconds;
  }
  const children = one(args, '--exclude-children');
  if (children !== undefined) {
    const list = parseAllowList(children);
    checked('--exclude-children', () => checkExclusions(list));
    knobs.childExclusions = list;
  }
  return knobs;
}

async function detect(args: ParsedArgs, io: Io): Promise<void> {
  if (args.positional.length === 0) throw new CliError('detect needs at least one event file');
  const rulePath = one(args, '--rule');
  const ruleText = await readText(rulePath ?? shippedRulePath(), 'rule');
  const ruleFile = rulePath ?? 'dcom-lateral-movement.yaml';
  const loaded = loadRule(ruleText);
  if (!loaded.rule) {
    throw new CliError(
      loaded.problems.map((p) => `${ruleFile}${p.line ? `:${p.line}:${p.column ?? 1}` : ''}: ${p.message}`).join('\n'),
    );
  }
  let query = loaded.rule.query;
  const knobs = knobArgs(args);
  try {
    query = applyKnobs(query, knobs);
  } catch (err) {
    // Values were checked in knobArgs: what is left is a rule without the construct.
    throw new CliError(`${ruleFile}: ${(err as Error).message}`);
  }
  const allow = one(args, '--allow');
  const allowFile = one(args, '--allow-file');
  if (allow !== undefined && allowFile !== undefined) throw new CliError('give --allow or --allow-file, not both');
  if (allow !== undefined || allowFile !== undefined) {
    const list =
      allow !== undefined ? parseAllowList(allow) : parseAllowList(await readText(allowFile!, 'allow-list file'));
    const edited = replaceLetList(query, 'allowListedExecs', list);
    if (edited === null)
      throw new CliError(`${ruleFile}: the rule has no \`let allowListedExecs = dynamic([...])\` to replace`);
    query = edited;
  }
  const unknownBoot = one(args, '--unknown-boot') ?? 'drop';
  if (unknownBoot !== 'drop' && unknownBoot !== 'keep')
    throw new CliError(`--unknown-boot must be drop or keep, not ${unknownBoot}`);
  if (unknownBoot === 'keep') {
    const edited = setUnknownBoot(query, 'keep');
    if (edited === null) throw new CliError(`${ruleFile}: the rule has no \`where\` on LastBootTime to relax`);
    query = edited;
  }
  // Bind once against the full Defender schemas to learn which columns the rule reads (column pruning).
  const probe = compileQuery(query, new Map(Object.entries(DEFENDER_TABLES).map(([n, schema]) => [n, { schema }])), 0n);
  if (!probe.plan) {
    throw new CliError(
      probe.diagnostics.map((d) => formatDiagnostic({ ...d, ...positionInRuleFile(loaded, d) }, ruleFile)).join('\n'),
    );
  }
  const required = probe.plan.tables;
  // Explain mode names devices, times and processes the rule itself may not read: decode what the views show.
  const explaining = args.flags.has('--funnel') || args.flags.has('--explain') || args.options.has('--near-misses');
  const decode = explaining ? withViewColumns(required, loaded.rule) : required;
  const tables = await loadTables(
    args.positional.map((path) => ({ path })),
    decode,
    io,
    args.flags.has('--strict'),
    threadsOf(args),
    args.flags.has('--explain'),
  );
  // Columns are decoded only where needed; default decode keeps all known ones, so check for absent ones.
  for (const [name, cols] of required) {
    const t = tables.get(name);
    if (!t) throw new CliError(`no ${name} file given (the rule reads ${[...required.keys()].join(' and ')})`);
    const missing = cols.filter((c) => !t.schema.some((s) => s.name === c));
    if (missing.length)
      throw new CliError(`${name}: the loaded files lack column(s) the rule needs: ${missing.join(', ')}`);
  }
  if (unknownBoot === 'drop') for (const line of ruleReadiness(tables).lines) io.err(`${line}\n`);
  await runAndWrite(query, ruleFile, (d) => positionInRuleFile(loaded, d), tables, args, io, ALERT_COLUMNS, {
    allowList: allow !== undefined || allowFile !== undefined ? (readLetList(query, 'allowListedExecs') ?? []) : null,
    unknownBoot,
    knobs,
  });
}

async function run(args: ParsedArgs, io: Io): Promise<void> {
  const queryPath = one(args, '--query');
  if (!queryPath) throw new CliError('run needs --query FILE.kql');
  const query = await readText(queryPath, 'query');
  const specs = args.options.get('--table') ?? [];
  if (specs.length === 0) throw new CliError('run needs at least one --table Name=FILE');
  const files = specs.map((s) => {
    const eq = s.indexOf('=');
    if (eq <= 0) throw new CliError(`--table takes Name=FILE, not ${s}`);
    return { name: s.slice(0, eq), path: s.slice(eq + 1) };
  });
  const tables = await loadTables(
    files,
    new Map(),
    io,
    args.flags.has('--strict'),
    threadsOf(args),
    args.flags.has('--explain'),
  );
  await runAndWrite(query, queryPath, (d) => d, tables, args, io, [], null);
}

/** Runs the CLI; returns the exit status. `io` is injectable for tests. */
export async function main(argv: readonly string[], io: Io = defaultIo): Promise<number> {
  try {
    const [command, ...rest] = argv;
    const args = parseArgs(rest);
    if (
      command === undefined ||
      command === '--help' ||
      command === '-h' ||
      args.flags.has('--help') ||
      args.flags.has('-h')
    ) {
      io.out(USAGE);
      return command === undefined ? 2 : 0;
    }
    if (command === 'detect') await detect(args, io);
    else if (command === 'run') await run(args, io);
    else throw new CliError(`unknown command ${command}\n${USAGE}`);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      io.err(`dcomlens: ${err.message}\n`);
      return 2;
    }
    if ((err as Error).name === 'AbortError') {
      io.err('dcomlens: cancelled\n');
      return 130;
    }
    if ((err as Error).name === 'QueryError') {
      io.err(`dcomlens: ${(err as Error).message}\n`);
      return 2;
    }
    throw err;
  }
}
