/**
 * Wire shapes of explain mode (issue 5): every candidate of the rule's spine with the reason it did
 * or did not become an alert, the funnel, suppressed-but-suspicious chains and the allow-list's
 * impact. JSON-safe like the rest of the protocol: times are ISO text plus epoch ms for drawing.
 */
import type { RuleKnobs } from '../rule/knobs';
import type { UnknownBoot } from './protocol';

export type { RuleKnobs } from '../rule/knobs';

/** The tuning an explanation was made for: the allow-list in force (null: the rule's own) and the knobs. */
export interface TuningInput {
  readonly allowList: readonly string[] | null;
  readonly unknownBoot: UnknownBoot;
  /** Window, boot grace, child exclusions; absent or empty: as written. */
  readonly knobs?: RuleKnobs;
}

/** Why a candidate did not get through a stage, as the engine measured it. */
export interface FailureView {
  readonly nodeId: number;
  readonly stage: string;
  readonly kind: 'predicate' | 'no-partner';
  readonly predicate: string;
  readonly detail: string;
  readonly values: readonly { readonly expr: string; readonly value: string }[];
  /** Distance from passing in the predicate's unit (1 for datetime_diff = 3 vs 0..2); null if not measurable. */
  readonly violation: number | null;
  /** The allow-list / exclusion entry the value matched. */
  readonly listEntry: string | null;
}

/** Why a suppressed chain still looks like an attack. */
export interface Suspicion {
  /** One line per reason, most telling first. */
  readonly reasons: readonly string[];
  /** File names the DCOM server started (full process table, the device's own rows). */
  readonly children: readonly string[];
  /** Shells, script hosts and LOLBins among the server's descendants. */
  readonly lolbins: readonly string[];
  /** What hid it: the allow-list entry, or the child exclusion. */
  readonly hiddenBy: 'allow-list' | 'child-exclusion';
}

export interface CandidateView {
  /** Stable across reloads of the same data: spine, device, time, report id. Pins hang on it. */
  readonly key: string;
  readonly spine: string;
  readonly table: string;
  readonly row: number;
  readonly device: string;
  /** Time of the candidate row, ISO UTC and epoch ms. */
  readonly iso: string | null;
  readonly ms: number | null;
  /** `RPC 10.0.0.5 → 10.0.0.9:135` or `mmc.exe (PID 2300)`. */
  readonly label: string;
  readonly remoteIp: string | null;
  readonly dcomFile: string | null;
  /** datetime_diff("second", DCOM start, RPC) of the candidate's path, when it has both rows. */
  readonly gap: number | null;
  readonly state: 'alert' | 'suppressed';
  readonly failure: FailureView | null;
  readonly alsoFailed: readonly FailureView[];
  /** Funnel position of the failing stage (larger: got further); -1 for alerts. */
  readonly stageIndex: number;
  /** Base rows of the best path, by table. */
  readonly pathRows: readonly { readonly table: string; readonly rows: readonly number[] }[];
  /** Keys of the alerts this candidate is part of (same keys as `DetectionView.keys`). */
  readonly alertKeys: readonly string[];
  readonly suspicion: Suspicion | null;
}

/** A near miss: the candidate it opens (the DCOM start when the chain has one) and its spine mates. */
export interface NearMissView {
  /** Keys of the chain's candidates, the opened one first. */
  readonly keys: readonly string[];
  readonly spines: readonly string[];
  /** How far it was from passing (`1 s off`), or '' when the failing predicate is not a measure. */
  readonly offBy: string;
}

export interface FunnelStageView {
  readonly nodeId: number;
  readonly stage: string;
  readonly kind: 'predicate' | 'no-partner';
  readonly suppressed: number;
  readonly byDevice: readonly (readonly [string, number])[];
  readonly byPredicate: readonly (readonly [string, number])[];
  /** True for the `where … LastBootTime …` stage. */
  readonly boot: boolean;
}

export interface DeviceFunnel {
  readonly device: string;
  readonly candidates: number;
  readonly alerts: number;
  readonly suppressed: number;
  /** No `services.exe` start for this device in the data. */
  readonly noBoot: boolean;
  /** Candidates of this device dropped at the boot filter. */
  readonly bootDropped: number;
}

export interface AllowImpact {
  readonly entry: string;
  /** False when the entry is listed but switched off (it suppresses nothing by construction). */
  readonly active: boolean;
  /** Candidates whose first failure is this entry. */
  readonly suppressed: number;
  /** Distinct DCOM server starts (chains) among them. */
  readonly chains: number;
  /** Chains whose server started at least one process. */
  readonly withChildren: number;
  /** Child file names with counts, most frequent first. */
  readonly children: readonly (readonly [string, number])[];
  readonly dead: boolean;
  readonly greedy: boolean;
}

export interface ExplainView {
  readonly tuning: TuningInput;
  /** The KQL the explanation ran (the tuned rule). */
  readonly query: string;
  readonly spines: readonly string[];
  readonly candidates: readonly CandidateView[];
  readonly funnel: readonly FunnelStageView[];
  readonly devices: readonly DeviceFunnel[];
  readonly allowImpact: readonly AllowImpact[];
  /** Keys of every alert row of the tuned rule. */
  readonly alertKeys: readonly string[];
  /** Suppressed chains closest first, one per chain (see near-misses.ts); every suppressed candidate in exactly one. */
  readonly nearMisses: readonly NearMissView[];
  /** The `datetime_diff(...) between (lo .. hi)` window of the rule, when it has one. */
  readonly window: { readonly lo: number; readonly hi: number } | null;
  readonly elapsedMs: number;
}
