// @vitest-environment jsdom
import { createElement } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessTree } from '../../src/components/ProcessTree';
import { layoutTree } from '../../src/components/tree-layout';
import { ZoneContext } from '../../src/components/zone-context';
import { treeNodes } from './fixtures';
import { click, mount, type Mounted } from './render';

let mounted: Mounted | null = null;
afterEach(async () => {
  await mounted?.unmount();
  mounted = null;
});

describe('layoutTree', () => {
  it('lays the hierarchy out left to right with siblings in time order', () => {
    const l = layoutTree(treeNodes());
    const at = (id: string) => l.nodes.find((n) => n.node.id === id)!;
    expect(l.nodes).toHaveLength(6);
    expect(at('r1').x).toBeLessThan(at('r2').x);
    expect(at('r2').x).toBeLessThan(at('r3').x);
    expect(at('r3').x).toBeLessThan(at('r5').x);
    // r3 (08:08:47) before r4 (08:08:49) before r6 (09:18:23), whatever the input order.
    expect(at('r3').y).toBeLessThan(at('r4').y);
    expect(at('r4').y).toBeLessThan(at('r6').y);
    expect(l.links.map((x) => [x.target, x.label])).toEqual(
      expect.arrayContaining([
        ['r2', 'unique id'],
        ['r5', 'PID + device (inferred)'],
        ['r6', 'rule join only ⚠'],
      ]),
    );
  });

  it('hangs an orphan off the root instead of failing', () => {
    const nodes = [...treeNodes(), { ...treeNodes()[4]!, id: 'x', parentId: 'missing' }];
    expect(layoutTree(nodes).nodes).toHaveLength(7);
  });
});

describe('<ProcessTree>', () => {
  it('renders nodes, labelled edges, PID reuse and the alert highlight; a click shows every field', async () => {
    mounted = await mount(
      createElement(ZoneContext.Provider, { value: 'UTC' }, createElement(ProcessTree, { nodes: treeNodes() })),
    );
    const tree = mounted.container.querySelector('[aria-label="Process tree"]')!;
    const names = [...tree.querySelectorAll('.tree-node')].map((n) => n.getAttribute('data-node'));
    expect(names).toEqual(['svchost.exe', 'mmc.exe', 'cmd.exe', 'cmd.exe', 'notepad.exe', 'whoami.exe']);
    expect(tree.querySelectorAll('.tree-node.in-alert')).toHaveLength(4);
    expect([...tree.querySelectorAll('.tree-link')].map((e) => e.getAttribute('data-link')).sort()).toEqual(
      ['pid-time-order', 'rule-join', 'unique-id', 'unique-id', 'unique-id'].sort(),
    );
    const reuse = tree.querySelectorAll('.pid-reuse');
    expect(reuse).toHaveLength(1);
    expect(reuse[0]!.querySelector('title')?.textContent).toBe(
      'PID 2300 also started at: 2024-05-01 09:18:20.0000000 UTC',
    );
    const mmc = tree.querySelector('[aria-label^="mmc.exe PID 2300"]')!;
    expect(mmc.getAttribute('aria-label')).toBe('mmc.exe PID 2300 (in the alert) (PID reused)');
    await click(mmc);
    const fields = mounted.container.querySelector('[aria-label="Fields of mmc.exe"]')!;
    const dts = [...fields.querySelectorAll('dt')].map((d) => d.textContent);
    expect(dts).toEqual(['FileName', 'ProcessId', 'ProcessCommandLine']);
    // Data stays inert text.
    expect(fields.querySelector('b')).toBeNull();
    expect(fields.textContent).toContain('<b>not html</b>');
  });
});
