/**
 * The tuned rule text: the rule's query with the analyst's edits spliced in (allow-list, unknown-boot
 * knob, window, boot grace, child exclusions). One function for the worker, explain mode and the CLI,
 * so the KQL that runs is the KQL that is shown and exported.
 */
import { applyKnobs, KnobError, type RuleKnobs } from './knobs';
import { readLetList, replaceLetList, setUnknownBoot, type UnknownBootMode } from './rule';

export const ALLOW_LIST_LET = 'allowListedExecs';

export interface RuleTuning {
  /** `allowListedExecs` in force; null: the rule's own list. */
  readonly allowList: readonly string[] | null;
  readonly unknownBoot: UnknownBootMode;
  /** Absent: every constant as written. */
  readonly knobs?: RuleKnobs;
}

/** The tuned query and the allow-list in force. Throws KnobError when the rule lacks a tuned construct. */
export function tuneQuery(ruleQuery: string, tuning: RuleTuning): { query: string; allowList: readonly string[] } {
  let query = tuning.knobs ? applyKnobs(ruleQuery, tuning.knobs) : ruleQuery;
  if (tuning.unknownBoot !== 'drop') {
    const edited = setUnknownBoot(query, tuning.unknownBoot);
    if (edited === null) throw new KnobError('the rule has no filter on LastBootTime to tune');
    query = edited;
  }
  if (tuning.allowList !== null) {
    const edited = replaceLetList(query, ALLOW_LIST_LET, tuning.allowList);
    if (edited === null) throw new KnobError(`the rule has no \`let ${ALLOW_LIST_LET} = dynamic([...])\` to tune`);
    query = edited;
  }
  return { query, allowList: tuning.allowList ?? readLetList(ruleQuery, ALLOW_LIST_LET) ?? [] };
}
