// @vitest-environment jsdom
/** The knob editor and the gap histogram's handles in jsdom: drafts, what-if, keyboard and pointer. */
import { act, createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { GapHistogram } from '../../src/components/GapHistogram';
import { edgeValueAt, layoutGaps } from '../../src/components/gap-histogram';
import { draftOf, knobsOfDraft } from '../../src/components/knob-draft';
import { KnobsEditor } from '../../src/components/KnobsEditor';
import type { EngineClient, ExplainView, TuningInput } from '../../src/engine/worker/client';
import { explainFixture, explainWithoutWmi } from './explain-fixtures';
import { click, mount, type Mounted } from './render';

let mounted: Mounted | null = null;
afterEach(async () => {
  await mounted?.unmount();
  mounted = null;
});

const WRITTEN = {
  window: { lo: 0, hi: 2, unit: 'second' },
  bootGraceSeconds: 300,
  childExclusions: ['csc.exe'],
} as const;

const text = (el: Element | null | undefined): string => el?.textContent ?? '';
const flush = () => act(async () => new Promise((r) => setTimeout(r, 0)));

async function key(el: Element, k: string): Promise<void> {
  await act(async () => {
    el.dispatchEvent(new KeyboardEvent('keydown', { key: k, bubbles: true }));
  });
}

async function pointer(el: Element, type: string, clientX: number): Promise<void> {
  await act(async () => {
    el.dispatchEvent(new MouseEvent(type, { bubbles: true, clientX }));
  });
}

/** Sets an input's value the way a user's typing does (React listens to `input`). */
async function typeInto(el: Element | null, value: string): Promise<void> {
  if (!(el instanceof HTMLInputElement)) throw new Error('not an input');
  await act(async () => {
    Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!.call(el, value);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

const handle = (root: Element, edge: 'lo' | 'hi') => root.querySelector(`[role="slider"][data-edge="${edge}"]`)!;

describe('knob drafts', () => {
  it.each([
    [{}, undefined, []],
    [{ window: { lo: 0, hi: 5 } }, { window: { lo: 0, hi: 5 } }, []],
    [{ grace: '90s' }, { bootGraceSeconds: 90 }, []],
    [{ grace: '5m' }, undefined, []],
    [{ grace: 'soon' }, undefined, ['Boot grace: "soon" is not a timespan such as 90s, 5m, 1h or 2d']],
    [{ window: { lo: 4, hi: 1 } }, undefined, ["Window: the window's low bound 4 is above its high bound 1"]],
    [{ window: { lo: Number.NaN, hi: 1 } }, undefined, ['Window: the window bounds must be integers']],
    [
      { exclusions: { entries: ['csc.exe'], active: [] } },
      { childExclusions: { entries: ['csc.exe'], active: [] } },
      [],
    ],
  ])('%j → %j', (patch, knobs, problems) => {
    const out = knobsOfDraft(WRITTEN, { ...draftOf(WRITTEN, undefined), ...patch });
    expect(out).toEqual({ knobs, problems });
  });
});

describe('<GapHistogram> handles', () => {
  const view = explainFixture();

  it('are sliders moved by the arrow keys; Enter applies, Escape discards', async () => {
    const onDraft = vi.fn();
    const onCommit = vi.fn();
    const onCancel = vi.fn();
    mounted = await mount(createElement(GapHistogram, { view, onDraft, onCommit, onCancel }));
    const hi = handle(mounted.container, 'hi');
    expect(hi.getAttribute('aria-label')).toBe('Window high edge (seconds)');
    expect(hi.getAttribute('aria-valuenow')).toBe('2');
    expect(hi.getAttribute('tabindex')).toBe('0');
    await key(hi, 'ArrowRight');
    expect(onDraft).toHaveBeenLastCalledWith({ lo: 0, hi: 3 });
    await key(hi, 'Enter');
    expect(onCommit).toHaveBeenLastCalledWith({ lo: 0, hi: 3 });
    const lo = handle(mounted.container, 'lo');
    await key(lo, 'ArrowLeft');
    expect(onDraft).toHaveBeenLastCalledWith({ lo: -1, hi: 3 });
    await key(lo, 'Escape');
    expect(onCancel).toHaveBeenCalledTimes(1);
  });

  it('edges never cross: the low edge stops at the high one', async () => {
    const onDraft = vi.fn();
    mounted = await mount(createElement(GapHistogram, { view, window: { lo: 2, hi: 2 }, onDraft }));
    await key(handle(mounted.container, 'lo'), 'ArrowRight');
    expect(onDraft).not.toHaveBeenCalled();
    await key(handle(mounted.container, 'hi'), 'ArrowLeft');
    expect(onDraft).not.toHaveBeenCalled();
  });

  it('drag with the pointer: moves preview, release applies', async () => {
    const onDraft = vi.fn();
    const onCommit = vi.fn();
    mounted = await mount(createElement(GapHistogram, { view, onDraft, onCommit }));
    const l = layoutGaps(view, 560, 180);
    // jsdom has no layout: client x is taken as SVG x. The right edge of bin 5:
    const x5 = l.x(5)! + l.x.bandwidth() + 1;
    expect(edgeValueAt(l, 'hi', x5, 0)).toBe(5);
    const svg = mounted.container.querySelector('svg')!;
    await pointer(handle(mounted.container, 'hi'), 'pointerdown', l.edges!.hi);
    await pointer(svg, 'pointermove', x5);
    expect(onDraft).toHaveBeenLastCalledWith({ lo: 0, hi: 5 });
    expect(onCommit).not.toHaveBeenCalled();
    await pointer(svg, 'pointerup', x5);
    expect(onCommit).toHaveBeenCalledWith({ lo: 0, hi: 5 });
  });

  it('a read-only histogram has no handles', async () => {
    mounted = await mount(createElement(GapHistogram, { view }));
    expect(mounted.container.querySelector('[role="slider"]')).toBeNull();
    expect(mounted.container.querySelector('.gap-edges')).not.toBeNull();
  });
});

describe('<KnobsEditor>', () => {
  function setup(pins = { detected: [] as string[], quiet: [] as string[] }) {
    const asked: TuningInput[] = [];
    const client = {
      explain: (t: TuningInput): Promise<ExplainView> => {
        asked.push(t);
        return Promise.resolve({ ...explainWithoutWmi(), window: t.knobs?.window ?? { lo: 0, hi: 2 } });
      },
    } as unknown as EngineClient;
    const onApply = vi.fn();
    const props = {
      client,
      view: explainFixture(),
      stamp: 's1',
      pins,
      written: WRITTEN,
      knobs: undefined,
      base: { allowList: null, unknownBoot: 'drop' as const },
      onApply,
    };
    return { asked, onApply, props };
  }

  it('previews a window edit, then applies it', async () => {
    const { asked, onApply, props } = setup({ detected: [], quiet: ['wmi'] });
    mounted = await mount(createElement(KnobsEditor, props));
    const status = () => text(mounted!.container.querySelector('[aria-label="Knob what-if diff"]'));
    expect(status()).toContain('Change a knob');
    await typeInto(mounted.container.querySelector('input[type="number"]:nth-of-type(2)'), '3');
    await flush();
    expect(asked).toEqual([{ allowList: null, unknownBoot: 'drop', knobs: { window: { lo: 0, hi: 3 } } }]);
    expect(status()).toContain('Alerts 1 → 2');
    expect(status()).toContain('+1 alerts');
    expect(status()).toContain('−1 suppressed-but-suspicious');
    expect(status()).toMatch(/breaks a pin/);
    expect(onApply).not.toHaveBeenCalled();
    await click([...mounted.container.querySelectorAll('button')].find((b) => b.textContent === 'Apply draft')!);
    expect(onApply).toHaveBeenCalledWith({ window: { lo: 0, hi: 3 } });
  });

  it('a bad value is named and never run', async () => {
    const { asked, onApply, props } = setup();
    mounted = await mount(createElement(KnobsEditor, props));
    const inputs = mounted.container.querySelectorAll('input[type="number"]');
    await typeInto(inputs[0]!, '7');
    await flush();
    expect(text(mounted.container.querySelector('[role="alert"]'))).toContain(
      "Window: the window's low bound 7 is above its high bound 2",
    );
    await typeInto(mounted.container.querySelector('input[placeholder="5m"]'), 'later');
    await flush();
    expect(text(mounted.container.querySelector('[role="alert"]'))).toContain('Boot grace: "later" is not a timespan');
    expect(asked).toEqual([]);
    expect(onApply).not.toHaveBeenCalled();
  });

  it('edits the boot grace and the child exclusions (toggle, add, remove)', async () => {
    const { asked, onApply, props } = setup();
    mounted = await mount(createElement(KnobsEditor, props));
    await typeInto(mounted.container.querySelector('input[placeholder="5m"]'), '10m');
    await click(mounted.container.querySelector('.knob-entry input[type="checkbox"]'));
    await typeInto(mounted.container.querySelector('input[placeholder="name.exe"]'), 'we"ird\\name.exe');
    await click([...mounted.container.querySelectorAll('button')].find((b) => b.textContent === 'Add')!);
    await flush();
    expect(asked.at(-1)).toEqual({
      allowList: null,
      unknownBoot: 'drop',
      knobs: { bootGraceSeconds: 600, childExclusions: ['we"ird\\name.exe'] },
    });
    expect(text(mounted.container)).toContain('we"ird\\name.exe');
    await click(mounted.container.querySelector('button[aria-label="Remove csc.exe"]'));
    await click([...mounted.container.querySelectorAll('button')].find((b) => b.textContent === 'Apply draft')!);
    expect(onApply).toHaveBeenCalledWith({
      bootGraceSeconds: 600,
      childExclusions: { entries: ['we"ird\\name.exe'], active: ['we"ird\\name.exe'] },
    });
  });

  it('the histogram handle previews on arrow keys and applies on Enter', async () => {
    const { asked, onApply, props } = setup();
    mounted = await mount(createElement(KnobsEditor, props));
    const hi = handle(mounted.container, 'hi');
    await key(hi, 'ArrowRight');
    await key(handle(mounted.container, 'hi'), 'ArrowRight');
    await flush();
    expect(asked.at(-1)?.knobs).toEqual({ window: { lo: 0, hi: 4 } });
    expect(text(mounted.container.querySelector('.gap-window-label'))).toContain('between (0 .. 4) (draft)');
    expect((mounted.container.querySelectorAll('input[type="number"]')[1] as HTMLInputElement).value).toBe('4');
    await key(handle(mounted.container, 'hi'), 'Enter');
    expect(onApply).toHaveBeenCalledWith({ window: { lo: 0, hi: 4 } });
  });

  it('says which knob a rule lacks', async () => {
    const { props } = setup();
    mounted = await mount(
      createElement(KnobsEditor, {
        ...props,
        written: { window: null, bootGraceSeconds: null, childExclusions: null },
      }),
    );
    expect(text(mounted.container)).toMatch(/has no `datetime_diff\(\.\.\.\) between \(lo \.\. hi\)` window/);
    expect(mounted.container.querySelector('input')).toBeNull();
    expect(mounted.container.querySelector('[role="slider"]')).toBeNull();
  });
});
