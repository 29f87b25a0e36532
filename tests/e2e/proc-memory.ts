/**
 * Chromium's memory as Linux sees it: the RSS and peak RSS (VmHWM) of the browser's renderer
 * processes (the page and its workers live in one renderer), read from /proc. Playwright's CDP
 * metrics only cover the JS heap, which leaves out the typed arrays that hold the engine's columns.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export interface ProcMemory {
  readonly pid: number;
  /** Resident set now and at its peak, bytes. */
  readonly rss: number;
  readonly peak: number;
}

function statusField(text: string, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

/**
 * Every renderer process of `browser`, largest resident set first (empty off Linux). The PIDs
 * come from the browser itself (CDP SystemInfo.getProcessInfo), so other Chromiums on the machine
 * never count.
 */
export async function rendererMemory(browser: Browser): Promise<ProcMemory[]> {
  if (!existsSync('/proc')) return [];
  const cdp = await browser.newBrowserCDPSession();
  try {
    const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as {
      processInfo: { type: string; id: number }[];
    };
    const out: ProcMemory[] = [];
    for (const p of processInfo) {
      if (p.type !== 'renderer') continue;
      try {
        const status = readFileSync(`/proc/${p.id}/status`, 'utf8');
        out.push({ pid: p.id, rss: statusField(status, 'VmRSS'), peak: statusField(status, 'VmHWM') });
      } catch {
        // Gone.
      }
    }
    return out.sort((a, b) => b.rss - a.rss);
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

/** Samples the largest renderer's RSS every `ms` until stopped; returns the highest seen. */
export function sampleRenderer(browser: Browser, ms = 200): { stop(): Promise<number>; readonly max: number } {
  let max = 0;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return;
    busy = true;
    const top = (await rendererMemory(browser).catch(() => []))[0];
    if (top) max = Math.max(max, top.rss);
    busy = false;
  };
  void tick();
  const timer = setInterval(() => void tick(), ms);
  return {
    stop: async () => {
      clearInterval(timer);
      await tick();
      return max;
    },
    get max() {
      return max;
    },
  };
}

export const MB = 1024 * 1024;
export const mb = (bytes: number): string => `${(bytes / MB).toFixed(0)} MB`;
