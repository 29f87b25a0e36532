import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The `query:` text of the shipped DCOM rule, exactly as the YAML block scalar yields it. */
export function ruleQuery(): string {
  const path = fileURLToPath(new URL('../../../src/rules/dcom-lateral-movement.yaml', import.meta.url));
  const doc = parse(readFileSync(path, 'utf8')) as { query?: unknown };
  if (typeof doc.query !== 'string') throw new Error('rule YAML has no query');
  return doc.query;
}
