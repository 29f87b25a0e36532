// @vitest-environment jsdom
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { Timeline } from '../../src/components/Timeline';
import { focusExtent, fullExtent, layoutTimeline } from '../../src/components/timeline-layout';
import { ZoneContext } from '../../src/components/zone-context';
import { mmcDetail } from './fixtures';
import { mount, type Mounted } from './render';

let mounted: Mounted | null = null;
afterEach(async () => {
  await mounted?.unmount();
  mounted = null;
});

function render(zone = 'UTC', detail = mmcDetail()) {
  const extent = fullExtent(detail, null);
  return mount(
    createElement(
      ZoneContext.Provider,
      { value: zone },
      createElement(Timeline, { detail, around: null, domain: focusExtent(detail), extent, onDomain: () => undefined }),
    ),
  );
}

describe('layoutTimeline', () => {
  it('puts each event on its lane and writes the measured gaps', () => {
    const d = mmcDetail();
    const l = layoutTimeline(d, null, fullExtent(d, null), 960);
    expect(l.lanes.map((x) => x.key)).toEqual(['rpc', 'dcom', 'child']);
    expect(l.points.map((p) => p.lane)).toEqual(['rpc', 'dcom', 'child', 'child']);
    expect(l.gaps.map((g) => g.text)).toEqual(['+0.40 s · datetime_diff = 1 s', '+2.12 s', '+3.74 s']);
    expect(l.gaps.map((g) => g.exact)).toEqual(['+0.4 s', '+2.1234567 s', '+3.7469134 s']);
    // Points are ordered left to right by time on one axis.
    const xs = l.points.map((p) => p.x);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);
    expect(l.window).not.toBeNull();
    expect(l.window!.x1).toBeLessThan(l.points[0]!.x);
  });

  it('drops points outside the zoomed domain and clips the window', () => {
    const d = mmcDetail();
    const l = layoutTimeline(d, null, [d.window!.fromMs + 500, d.dcom[0]!.ms + 100], 960);
    expect(l.points.map((p) => p.lane)).toEqual(['rpc', 'dcom']);
    expect(l.window?.clipped).toBe(true);
  });
});

describe('<Timeline>', () => {
  it('renders three lanes, markers per lane, gap labels and the window label', async () => {
    mounted = await render();
    const svg = mounted.container.querySelector('svg[aria-label="Timeline"]')!;
    expect([...svg.querySelectorAll('.timeline-lane text')].map((t) => t.textContent)).toEqual([
      'Inbound RPC (135)',
      'DCOM server start',
      'Child process(es)',
    ]);
    expect(svg.querySelectorAll('[data-lane="rpc"]').length).toBe(1);
    expect(svg.querySelectorAll('[data-lane="dcom"]').length).toBe(1);
    expect(svg.querySelectorAll('[data-lane="child"]').length).toBe(2);
    expect([...svg.querySelectorAll('.gap-label')].map((t) => t.textContent)).toEqual([
      '+0.40 s · datetime_diff = 1 s',
      '+2.12 s',
      '+3.74 s',
    ]);
    expect(svg.querySelector('.window-label')?.textContent).toBe(
      'window: datetime_diff 0..2 s ⇒ [08:08:44, 08:08:47) UTC',
    );
    // Full precision, with zone, on hover.
    expect(svg.querySelector('[data-lane="child"] title')?.textContent).toContain('2024-05-01 08:08:47.4234567 UTC');
  });

  it('names the tuned window in the label and the caption', async () => {
    const d = mmcDetail();
    mounted = await render('UTC', {
      ...d,
      window: {
        lo: -1,
        hi: 4,
        fromMs: Date.parse('2024-05-01T08:08:43Z'),
        toMs: Date.parse('2024-05-01T08:08:49Z'),
        fromIso: '2024-05-01T08:08:43.0000000Z',
        toIso: '2024-05-01T08:08:49.0000000Z',
      },
    });
    expect(mounted.container.querySelector('.window-label')?.textContent).toBe(
      'window: datetime_diff -1..4 s ⇒ [08:08:43, 08:08:49) UTC',
    );
    expect(mounted.container.querySelector('.timeline-caption')?.textContent).toContain(
      '[floor(net, 1 s) − 1 s, floor + 5 s), which is what datetime_diff("second", …) between (-1 .. 4) admits',
    );
  });

  it('speaks the display zone on the axis and in the hover', async () => {
    mounted = await render('Asia/Kolkata');
    const svg = mounted.container.querySelector('svg[aria-label="Timeline"]')!;
    expect(svg.querySelector('.window-label')?.textContent).toBe(
      'window: datetime_diff 0..2 s ⇒ [13:38:44, 13:38:47) UTC+05:30',
    );
    expect(svg.querySelector('[data-lane="rpc"] title')?.textContent).toContain(
      '2024-05-01 13:38:44.9000000 UTC+05:30',
    );
  });
});
