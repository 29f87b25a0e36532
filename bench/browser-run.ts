/**
 * Drives bench/browser (built into bench/out/browser-dist) in headless Chromium: a local static
 * server (same origin for the page, dcomlens's worker chunks and DuckDB-WASM's wasm/worker files; no
 * network), then each engine in its own page so each has its own renderer process, whose peak RSS
 * is sampled from /proc as the tab's memory.
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import type { BrowserDcomlens, BrowserDuck } from './browser/main';

export const CHROMIUM = '/usr/bin/chromium';
const DIST = join(import.meta.dirname, 'out', 'browser-dist');

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.wasm': 'application/wasm',
  '.map': 'application/json',
};

/** Builds the bench page (a few seconds; done every run so it always has the current engine). */
export function buildBrowserBench(): void {
  execFileSync(
    process.execPath,
    [
      join(import.meta.dirname, '..', 'node_modules', 'vite', 'bin', 'vite.js'),
      'build',
      '--config',
      join(import.meta.dirname, 'browser', 'vite.config.ts'),
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
}

function serve(root: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split('?')[0]!)).replace(/^(\.\.[/\\])+/, '');
    const file = join(root, path === '/' ? 'index.html' : path);
    if (!file.startsWith(root) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
      'Cache-Control': 'no-store',
    });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Peak RSS of any one Chromium process descended from this process while `fn` runs (bytes). */
async function withPeakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakRss: number }> {
  let peak = 0;
  const sample = (): void => {
    for (const pid of chromiumDescendants()) {
      try {
        const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      } catch {
        // The process exited between listing and reading.
      }
    }
  };
  const timer = setInterval(sample, 100);
  try {
    const value = await fn();
    sample();
    return { value, peakRss: peak };
  } finally {
    clearInterval(timer);
  }
}

function chromiumDescendants(): number[] {
  const parent = new Map<number, number>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(d), ppid);
    } catch {
      // gone
    }
  }
  const out: number[] = [];
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    while (p !== undefined && p > 1) {
      if (p === process.pid) {
        out.push(pid);
        break;
      }
      p = parent.get(p);
    }
  }
  return out;
}

export interface BrowserSession {
  readonly version: string;
  dcomlens(
    files: readonly string[],
    editReps: number,
    timeoutMs: number,
  ): Promise<{ value: BrowserDcomlens; peakRss: number }>;
  duck(files: readonly string[], editReps: number, timeoutMs: number): Promise<{ value: BrowserDuck; peakRss: number }>;
  close(): Promise<void>;
}

export async function openBrowser(): Promise<BrowserSession> {
  const server = await serve(DIST);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const browser: Browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--js-flags=--max-old-space-size=16384',
    ],
  });
  const page = async (files: readonly string[], timeoutMs: number) => {
    const context = await browser.newContext();
    const p = await context.newPage();
    p.setDefaultTimeout(timeoutMs);
    await p.goto(origin);
    await p.waitForFunction(() => document.getElementById('log')?.textContent === 'ready');
    // Playwright hands a local browser the paths, so the Files are disk-backed as after a real pick.
    await p.setInputFiles('#files', [...files]);
    return { p, context };
  };
  return {
    version: browser.version(),
    async dcomlens(files, editReps, timeoutMs) {
      const { p, context } = await page(files, timeoutMs);
      try {
        return await withPeakRss(() => p.evaluate((n) => window.bench.dcomlens(n), editReps));
      } finally {
        await context.close();
      }
    },
    async duck(files, editReps, timeoutMs) {
      const { p, context } = await page(files, timeoutMs);
      try {
        return await withPeakRss(() => p.evaluate((n) => window.bench.duck(n), editReps));
      } finally {
        await context.close();
      }
    },
    async close() {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}
