/** Page-wide keyboard shortcuts; typing in a field is left alone (Esc excepted). */
import { useEffect, useRef } from 'react';

export type ShortcutHandlers = Readonly<Record<string, (e: KeyboardEvent) => void>>;

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

/** `handlers` keyed by `KeyboardEvent.key` (`j`, `ArrowDown`, `Enter`, `Escape`, `/`, `?`). */
export function useShortcuts(handlers: ShortcutHandlers): void {
  const ref = useRef(handlers);
  useEffect(() => {
    ref.current = handlers;
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      if (e.key !== 'Escape' && typing(e.target)) return;
      // Enter and space on a button or a focused tree node act on that element, not the page.
      if (
        (e.key === 'Enter' || e.key === ' ') &&
        e.target instanceof Element &&
        e.target.closest('button, [role="button"], a')
      )
        return;
      const h = ref.current[e.key];
      if (!h) return;
      e.preventDefault();
      h(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
