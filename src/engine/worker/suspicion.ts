/**
 * Suppressed but suspicious: a chain hidden by the allow-list or the child exclusion that still
 * looks like an attack. The server's children come from the FULL process table of the device (the
 * rule never joins children of an allow-listed server), through the same tree builder as a hit.
 */
import type { Table } from '../table/table';
import { processTree } from './process-tree';
import type { Suspicion } from './explain-protocol';
import { eqFold, hasTerm, stringAt } from './row-record';

/** Shells, script hosts and living-off-the-land binaries worth a second look under a DCOM server. */
export const LOLBINS: ReadonlySet<string> = new Set(
  [
    'cmd.exe',
    'powershell.exe',
    'pwsh.exe',
    'powershell_ise.exe',
    'wscript.exe',
    'cscript.exe',
    'mshta.exe',
    'rundll32.exe',
    'regsvr32.exe',
    'certutil.exe',
    'bitsadmin.exe',
    'msbuild.exe',
    'installutil.exe',
    'regasm.exe',
    'regsvcs.exe',
    'wmic.exe',
    'schtasks.exe',
    'sc.exe',
    'net.exe',
    'net1.exe',
    'whoami.exe',
    'bash.exe',
    'curl.exe',
    'msiexec.exe',
    'forfiles.exe',
    'odbcconf.exe',
    'cmstp.exe',
    'hh.exe',
  ].map((s) => s.toLowerCase()),
);

/** The processes a DCOM server started (children, then deeper descendants), by file name. */
export interface ServerOffspring {
  readonly children: readonly string[];
  readonly descendants: readonly string[];
}

const offspringCache = new WeakMap<Table, Map<number, ServerOffspring>>();

export function offspringOf(p: Table, dcomRow: number): ServerOffspring {
  let m = offspringCache.get(p);
  if (!m) offspringCache.set(p, (m = new Map()));
  const hit = m.get(dcomRow);
  if (hit) return hit;
  const nodes = processTree(p, { rpc: [], dcom: [dcomRow], boot: null, children: [] });
  const out = {
    children: nodes.filter((n) => n.role === 'child').map((n) => n.fileName),
    descendants: nodes.filter((n) => n.role === 'descendant').map((n) => n.fileName),
  };
  m.set(dcomRow, out);
  return out;
}

/** Per process table, per row: 0 not known yet, 1 a DCOM server start, 2 not one. */
const dcomStartCache = new WeakMap<Table, Uint8Array>();

function isDcomStart(p: Table, r: number): boolean {
  let memo = dcomStartCache.get(p);
  if (!memo) dcomStartCache.set(p, (memo = new Uint8Array(p.rowCount)));
  const known = memo[r];
  if (known) return known === 1;
  const yes =
    !eqFold(stringAt(p, 'FileName', r), 'services.exe') &&
    eqFold(stringAt(p, 'InitiatingProcessFileName', r), 'svchost.exe') &&
    hasTerm(stringAt(p, 'InitiatingProcessCommandLine', r), 'dcomlaunch');
  memo[r] = yes ? 1 : 2;
  return yes;
}

/** The DCOM server start among a path's process rows (started by svchost -k DcomLaunch). */
export function dcomRowOf(p: Table, rows: readonly number[]): number | null {
  for (const r of rows) if (r >= 0 && r < p.rowCount && isDcomStart(p, r)) return r;
  return null;
}

export interface SuspicionInput {
  readonly hiddenBy: Suspicion['hiddenBy'];
  readonly entry: string;
  readonly server: string;
  readonly offspring: ServerOffspring | null;
  readonly childExclusions: readonly string[];
  readonly remoteIp: string | null;
  /** Inbound RPC events from this remote IP, and in all, among the rpc candidates. */
  readonly ipCount: number;
  readonly ipTotal: number;
  readonly gap: number | null;
  /** No other failure on the candidate's path (for the child exclusion). */
  readonly onlyFailure: boolean;
}

/** An IP is rare when it sent at most 2% of the inbound RPC events (and at least one is rare). */
export function isRareIp(count: number, total: number): boolean {
  return count > 0 && count <= Math.max(1, Math.floor(total * 0.02));
}

const uniq = (xs: readonly string[]): string[] => [...new Set(xs)];

export function suspicionOf(s: SuspicionInput): Suspicion | null {
  const children = uniq(s.offspring?.children ?? []);
  const all = [...(s.offspring?.children ?? []), ...(s.offspring?.descendants ?? [])];
  const lolbins = uniq(all.filter((f) => LOLBINS.has(f.toLowerCase())));
  const reasons: string[] = [];
  const hidden =
    s.hiddenBy === 'allow-list'
      ? `allow-listed ${s.server} (entry "${s.entry}")`
      : `${s.server} (child exclusion "${s.entry}")`;
  if (lolbins.length > 0) reasons.push(`${hidden} started ${lolbins.join(', ')}`);
  if (s.remoteIp && isRareIp(s.ipCount, s.ipTotal))
    reasons.push(`remote IP ${s.remoteIp} is rare: ${s.ipCount} of ${s.ipTotal} inbound RPC events`);
  const kept = children.filter((c) => !s.childExclusions.some((e) => eqFold(e, c)));
  const complete = s.hiddenBy === 'allow-list' ? kept.length > 0 : s.onlyFailure;
  if (complete) {
    const what = s.hiddenBy === 'allow-list' ? `the allow-list entry "${s.entry}"` : `the child exclusion "${s.entry}"`;
    const tail = (s.hiddenBy === 'allow-list' ? kept : children).slice(0, 4).join(', ');
    reasons.push(
      `chain otherwise complete: only ${what} stops an alert (RPC → ${s.server}${s.gap !== null ? `, datetime_diff ${s.gap} s` : ''}${tail ? ` → ${tail}` : ''})`,
    );
  }
  if (reasons.length === 0) return null;
  return { reasons, children, lolbins, hiddenBy: s.hiddenBy };
}
