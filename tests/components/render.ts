/** Mounts React elements into jsdom with act(), without @testing-library. */
import { act, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

export interface Mounted {
  readonly container: HTMLElement;
  rerender(el: ReactElement): Promise<void>;
  unmount(): Promise<void>;
}

export async function mount(el: ReactElement): Promise<Mounted> {
  const container = document.createElement('div');
  document.body.append(container);
  let root: Root | null = null;
  await act(async () => {
    root = createRoot(container);
    root.render(el);
  });
  return {
    container,
    rerender: async (next) => {
      await act(async () => root!.render(next));
    },
    unmount: async () => {
      await act(async () => root!.unmount());
      container.remove();
    },
  };
}

export async function click(el: Element | null): Promise<void> {
  if (!el) throw new Error('nothing to click');
  await act(async () => {
    el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
  });
}
