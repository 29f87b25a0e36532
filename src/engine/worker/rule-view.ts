/**
 * The rule as a view: metadata from the YAML, exclusions read from the syntax tree, and the plan as
 * written with the rows each stage produced. Pure; the server supplies the stats of its last
 * as-written run.
 */
import type { Expr } from '../kql/ast';
import { parseQuery } from '../kql/parser';
import { readBootGrace, readWindow } from '../rule/knobs';
import type { RuleDefinition } from '../rule/rule';
import type { HitContext } from './hit-detail';
import type { RuleView, StageView, UnknownBoot } from './protocol';

/**
 * The string items of every `FileName !in~ (...)` in the query: the child exclusions (`csc.exe`).
 * The allow-list's `DCOMFileName !in~ (allowListedExecs)` names a let, not strings, so it is skipped.
 */
export function childExclusions(queryText: string): string[] {
  const out: string[] = [];
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    const node = x as Expr;
    if (
      node.kind === 'In' &&
      (node.op === '!in~' || node.op === '!in') &&
      node.left.kind === 'Name' &&
      node.left.name === 'FileName'
    ) {
      for (const item of node.items) {
        if (item.kind === 'Literal' && typeof item.value === 'string') out.push(item.value);
        // An emptied list is written `dynamic([])` (see rule/knobs.ts).
        if (item.kind === 'Dynamic' && Array.isArray(item.value))
          for (const v of item.value) if (typeof v === 'string') out.push(v);
      }
    }
    for (const v of Object.values(x)) if (typeof v === 'object') visit(v);
  };
  visit(parseQuery(queryText).query);
  return out;
}

/** What the hit and candidate views need to know of the tuned rule, read off its text. */
export function hitContext(query: string, allowList: readonly string[], unknownBoot: UnknownBoot): HitContext {
  const w = readWindow(query);
  return {
    allowList,
    unknownBoot,
    childExclusions: childExclusions(query),
    window: w && w.unit === 'second' ? { lo: w.lo, hi: w.hi } : null,
    bootGraceSeconds: readBootGrace(query),
  };
}

export function ruleView(
  rule: RuleDefinition,
  tuned: { readonly query: string; readonly allowList: readonly string[]; readonly unknownBoot: UnknownBoot },
  outputColumns: readonly string[],
  stages: { readonly stages: readonly StageView[]; readonly counted: boolean },
): RuleView {
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    status: rule.status,
    version: rule.version,
    kind: rule.kind,
    tactics: rule.tactics,
    techniques: rule.relevantTechniques,
    dataTypes: rule.dataTypes,
    queryFrequency: rule.queryFrequency,
    queryPeriod: rule.queryPeriod,
    entityMappings: rule.entityMappings.map((m) => ({ entityType: m.entityType, fields: m.fieldMappings })),
    outputColumns,
    allowList: tuned.allowList,
    childExclusions: childExclusions(tuned.query),
    unknownBoot: tuned.unknownBoot,
    window: readWindow(tuned.query),
    bootGraceSeconds: readBootGrace(tuned.query),
    stages: stages.stages,
    counted: stages.counted,
    query: tuned.query,
  };
}
