// @vitest-environment jsdom
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { IngestReportPanel } from '../../src/components/IngestReportPanel';
import type { FileJob } from '../../src/components/file-job';
import type { IngestReportView, ReadinessView } from '../../src/engine/worker/client';
import { mount, type Mounted } from './render';

let mounted: Mounted | null = null;
afterEach(async () => {
  await mounted?.unmount();
  mounted = null;
});

function report(file: string, table: string, over: Partial<IngestReportView> = {}): IngestReportView {
  return {
    file,
    format: 'csv',
    table,
    recognised: table,
    bytes: 1000,
    rowsRead: 10,
    rowsLoaded: 10,
    rowsRejected: 0,
    rejects: [],
    rejectCounts: {},
    columnsMapped: 5,
    columnsMissing: [],
    columnsIgnored: [],
    timeFrom: '2024-05-01T08:00:00.0000000Z',
    timeTo: '2024-05-01T09:00:00.0000000Z',
    devices: 2,
    warnings: [],
    fatal: null,
    partsInParallel: 0,
    ...over,
  };
}

function job(name: string, r: IngestReportView): FileJob {
  return {
    key: name,
    name,
    status: r.fatal ? 'failed' : 'done',
    progress: { bytes: 1, totalBytes: 1, rows: 10 },
    report: r,
    error: null,
  };
}

const BOOT =
  'no services.exe start found: every candidate on WORKSTATION6 (3 DcomLaunch starts) is dropped by the boot filter, unless unknown boot times are kept';

const readiness: ReadinessView = {
  notes: [
    {
      text: 'no DeviceNetworkEvents loaded: the RPC stage cannot run, so the rule can find nothing',
      level: 'warn',
      files: ['proc.csv', 'more.zip/proc2.csv'],
    },
    {
      text: 'DCOM stage: 9 process starts by svchost DcomLaunch on 2 devices',
      level: 'info',
      files: ['proc.csv', 'more.zip/proc2.csv'],
    },
    { text: BOOT, level: 'warn', files: ['more.zip/proc2.csv'] },
    { text: '<img src=x onerror=alert(1)>', level: 'info', files: ['proc.csv'] },
  ],
};

/** The readiness lines shown under a file's row, with their level. */
function shown(container: HTMLElement, file: string): string[] {
  const region = container.querySelector(`[aria-label="Rule stages with ${file}"]`);
  if (!region) return [];
  return [...region.querySelectorAll('li')].map((li) => `${li.getAttribute('data-level')}: ${li.textContent}`);
}

describe('IngestReportPanel: which rule stages can run', () => {
  it('shows each finding under the files it concerns, warnings marked', async () => {
    mounted = await mount(
      createElement(IngestReportPanel, {
        jobs: [
          job('proc.csv', report('proc.csv', 'DeviceProcessEvents')),
          job('more.zip', report('more.zip', 'DeviceProcessEvents')),
        ],
        readiness,
      }),
    );
    const c = mounted.container;
    expect(shown(c, 'proc.csv')).toEqual([
      'warn: no DeviceNetworkEvents loaded: the RPC stage cannot run, so the rule can find nothing',
      'info: DCOM stage: 9 process starts by svchost DcomLaunch on 2 devices',
      'info: <img src=x onerror=alert(1)>',
    ]);
    expect(shown(c, 'more.zip')).toEqual([
      'warn: no DeviceNetworkEvents loaded: the RPC stage cannot run, so the rule can find nothing',
      'info: DCOM stage: 9 process starts by svchost DcomLaunch on 2 devices',
      `warn: ${BOOT}`,
    ]);
    const warn = c.querySelector('[aria-label="Rule stages with more.zip"] li[data-level="warn"]');
    expect(warn?.className).toContain('text-warn');
    // Hostile text stays text.
    expect(c.querySelector('img')).toBeNull();
  });

  it('shows nothing for a file that failed, or when the engine said nothing', async () => {
    mounted = await mount(
      createElement(IngestReportPanel, {
        jobs: [job('proc.csv', report('proc.csv', 'DeviceProcessEvents', { fatal: 'not a CSV' }))],
        readiness,
      }),
    );
    expect(shown(mounted.container, 'proc.csv')).toEqual([]);
    expect(mounted.container.textContent).toContain('not a CSV');
    await mounted.rerender(
      createElement(IngestReportPanel, {
        jobs: [job('proc.csv', report('proc.csv', 'DeviceProcessEvents'))],
        readiness: null,
      }),
    );
    expect(shown(mounted.container, 'proc.csv')).toEqual([]);
    expect(mounted.container.querySelector('.report-details')).toBeNull();
  });
});
