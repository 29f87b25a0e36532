/**
 * Analytic rules as shipped (Sentinel YAML): loaded, validated and parsed. Tuning edits the query
 * text through the syntax tree's spans, so comments and layout survive and the exported KQL is the
 * rule the analyst actually ran.
 */
import { parse as parseYaml } from 'yaml';
import type { Diagnostic } from '../kql/diagnostics';
import type { Expr, Query, WhereOp } from '../kql/ast';
import { parseQuery } from '../kql/parser';

export interface EntityMapping {
  readonly entityType: string;
  readonly fieldMappings: readonly { readonly identifier: string; readonly columnName: string }[];
}

export interface RuleDefinition {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly severity: string;
  readonly status: string;
  readonly tactics: readonly string[];
  readonly relevantTechniques: readonly string[];
  readonly dataTypes: readonly string[];
  readonly queryFrequency: string;
  readonly queryPeriod: string;
  readonly entityMappings: readonly EntityMapping[];
  readonly version: string;
  readonly kind: string;
  /** The KQL text of `query:`. */
  readonly query: string;
}

export interface RuleProblem {
  readonly message: string;
  /** 1-based position in the YAML file when known. */
  readonly line?: number;
  readonly column?: number;
}

export interface LoadedRule {
  readonly rule: RuleDefinition | null;
  readonly problems: readonly RuleProblem[];
  /** Diagnostics of the query, positioned in the query text. */
  readonly diagnostics: readonly Diagnostic[];
  /** Line in the YAML file where the query text starts (to map query diagnostics to the file). */
  readonly queryLine: number;
  /** Indentation of the query's block scalar in the YAML file. */
  readonly queryIndent: number;
}

/** A query diagnostic's position in the YAML file that holds the query. */
export function positionInRuleFile(
  loaded: LoadedRule,
  d: { line: number; column: number },
): { line: number; column: number } {
  return { line: d.line + loaded.queryLine - 1, column: d.column + loaded.queryIndent };
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Parses and validates a rule YAML. Never throws; a YAML is data, never code. */
export function loadRule(yamlText: string): LoadedRule {
  const problems: RuleProblem[] = [];
  let doc: unknown;
  try {
    // yaml's own unique-key check is quadratic (a 40k-key file took 40 s): off, and the top-level
    // keys (the ones a rule reads) are checked for duplicates below in linear time.
    doc = parseYaml(yamlText, { maxAliasCount: 100, prettyErrors: true, uniqueKeys: false });
  } catch (err) {
    const e = err as { message: string; linePos?: { line: number; col: number }[] };
    const pos = e.linePos?.[0];
    problems.push({
      message: `not valid YAML: ${e.message.split('\n')[0]}`,
      ...(pos ? { line: pos.line, column: pos.col } : {}),
    });
    return { rule: null, problems, diagnostics: [], queryLine: 0, queryIndent: 0 };
  }
  const topKeys = new Set<string>();
  for (const [i, l] of yamlText.split('\n').entries()) {
    const key = /^([^\s#'"\-{[][^:]*?)\s*:(?:\s|$)/.exec(l)?.[1];
    if (key === undefined) continue;
    if (topKeys.has(key)) {
      problems.push({ message: `not valid YAML: the key \`${key}\` appears twice`, line: i + 1, column: 1 });
      return { rule: null, problems, diagnostics: [], queryLine: 0, queryIndent: 0 };
    }
    topKeys.add(key);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    problems.push({ message: 'a rule file must be a YAML mapping with at least `name` and `query`' });
    return { rule: null, problems, diagnostics: [], queryLine: 0, queryIndent: 0 };
  }
  const d = doc as Record<string, unknown>;
  for (const key of ['id', 'name', 'query'] as const) {
    if (typeof d[key] !== 'string' || (d[key] as string).trim() === '')
      problems.push({ message: `the rule has no \`${key}\`` });
  }
  const entityMappings: EntityMapping[] = [];
  if (Array.isArray(d.entityMappings)) {
    for (const m of d.entityMappings as unknown[]) {
      const mm = m as Record<string, unknown>;
      if (typeof mm?.entityType !== 'string' || !Array.isArray(mm.fieldMappings)) {
        problems.push({ message: 'entityMappings entries need entityType and fieldMappings' });
        continue;
      }
      entityMappings.push({
        entityType: mm.entityType,
        fieldMappings: (mm.fieldMappings as Record<string, unknown>[])
          .filter((f) => typeof f?.identifier === 'string' && typeof f?.columnName === 'string')
          .map((f) => ({ identifier: f.identifier as string, columnName: f.columnName as string })),
      });
    }
  }
  const dataTypes = Array.isArray(d.requiredDataConnectors)
    ? (d.requiredDataConnectors as Record<string, unknown>[]).flatMap((c) => strList(c?.dataTypes))
    : [];
  const query = str(d.query);
  const rule: RuleDefinition = {
    id: str(d.id),
    name: str(d.name),
    description: str(d.description).trim(),
    severity: str(d.severity) || 'Medium',
    status: str(d.status),
    tactics: strList(d.tactics),
    relevantTechniques: strList(d.relevantTechniques),
    dataTypes,
    queryFrequency: str(d.queryFrequency),
    queryPeriod: str(d.queryPeriod),
    entityMappings,
    version: str(d.version),
    kind: str(d.kind),
    query,
  };
  const lines = yamlText.split('\n');
  const queryAt = lines.findIndex((l) => /^query\s*:/.test(l));
  const firstLine = lines.slice(queryAt + 1).find((l) => l.trim() !== '') ?? '';
  const queryIndent = /^[ \t]*/.exec(firstLine)![0].length;
  const diagnostics = query ? parseQuery(query).diagnostics : [];
  return { rule: problems.length ? null : rule, problems, diagnostics, queryLine: queryAt + 2, queryIndent };
}

/** The `let` statement of `name` in a parsed query, if any. */
function findLet(query: Query, name: string) {
  for (const st of query.statements) if (st.kind === 'Let' && st.name === name) return st;
  return undefined;
}

/** The string values of a `let name = dynamic([...])` list, or null when there is no such list. */
export function readLetList(queryText: string, name: string): string[] | null {
  const { query } = parseQuery(queryText);
  const st = findLet(query, name);
  if (!st || st.value.kind !== 'Dynamic' || !Array.isArray(st.value.value)) return null;
  return (st.value.value as unknown[]).filter((v): v is string => typeof v === 'string');
}

/** KQL string literal with the escapes Kusto reads back (backslash and double quote). */
export function kqlString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

/**
 * Replaces the value of `let name = dynamic([...])` with a new list, splicing the query text at the
 * syntax tree's span so the rest of the rule (comments included) is unchanged. Returns null when
 * the query has no such let.
 */
export function replaceLetList(queryText: string, name: string, values: readonly string[]): string | null {
  const { query } = parseQuery(queryText);
  const st = findLet(query, name);
  if (!st || st.value.kind !== 'Dynamic') return null;
  const literal = `dynamic([${values.map(kqlString).join(', ')}])`;
  return queryText.slice(0, st.value.span.start) + literal + queryText.slice(st.value.span.end);
}

/** What the boot filter does with a device that has no `services.exe` start in the data. */
export type UnknownBootMode = 'drop' | 'keep';

function mentionsName(e: Expr, name: string): boolean {
  let found = false;
  const visit = (x: unknown): void => {
    if (found || x === null || typeof x !== 'object') return;
    const node = x as { kind?: string; name?: string };
    if (node.kind === 'Name' && node.name === name) {
      found = true;
      return;
    }
    for (const v of Object.values(x)) if (typeof v === 'object') visit(v);
  };
  visit(e);
  return found;
}

/** Every `where` operator of a query, depth first, with its predicate. */
function whereOps(query: Query): WhereOp[] {
  const out: WhereOp[] = [];
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    const node = x as { kind?: string };
    if (node.kind === 'Where') out.push(x as WhereOp);
    for (const v of Object.values(x)) if (typeof v === 'object') visit(v);
  };
  visit(query);
  return out;
}

/**
 * The boot-filter knob (issue "explain every non-hit"): as written, `where TimestampProcEvent >
 * LastBootTime+5m` drops every candidate on a device without a boot in the data, because a
 * comparison with null is null and `where` drops it. `keep` rewrites the filter to
 * `where isnull(LastBootTime) or (…)`, splicing the text so the exported KQL carries the change.
 * Returns the query unchanged for `drop`, and null when the query has no filter on LastBootTime.
 */
export function setUnknownBoot(queryText: string, mode: UnknownBootMode, column = 'LastBootTime'): string | null {
  const { query } = parseQuery(queryText);
  const target = whereOps(query).find((w) => mentionsName(w.predicate, column));
  if (!target) return null;
  if (mode === 'drop') return queryText;
  const p = target.predicate;
  const original = queryText.slice(p.span.start, p.span.end);
  if (/^isnull\(/.test(original)) return queryText;
  return `${queryText.slice(0, p.span.start)}isnull(${column}) or ${original}${queryText.slice(p.span.end)}`;
}
