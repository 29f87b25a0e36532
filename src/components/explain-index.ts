/**
 * Lookups over an explanation's candidates, built once per view object and kept as long as the
 * view is (a view at 10 M rows per table holds hundreds of thousands of candidates: the page must
 * not scan them again on every render or for every pin).
 */
import type { CandidateView, ExplainView } from '../engine/worker/client';

/** One value per view, made on first use. */
export function perView<T>(make: (view: ExplainView) => T): (view: ExplainView) => T {
  const cache = new WeakMap<ExplainView, T>();
  return (view) => {
    if (cache.has(view)) return cache.get(view)!;
    const value = make(view);
    cache.set(view, value);
    return value;
  };
}

/** Candidates by key (the first one, as `find` would). */
export const candidatesByKey = perView((view) => {
  const m = new Map<string, CandidateView>();
  for (const c of view.candidates) if (!m.has(c.key)) m.set(c.key, c);
  return m;
});

/**
 * The candidate that stands for an alert: the first DCOM start in it, else the first candidate in
 * it (as `find` over the candidates in order would give).
 */
export const candidateOfAlert = perView((view) => {
  const dcom = new Map<string, CandidateView>();
  const any = new Map<string, CandidateView>();
  for (const c of view.candidates)
    for (const k of c.alertKeys) {
      if (!any.has(k)) any.set(k, c);
      if (c.spine === 'dcomProcEvents' && !dcom.has(k)) dcom.set(k, c);
    }
  for (const [k, c] of any) if (!dcom.has(k)) dcom.set(k, c);
  return dcom;
});

/** Candidates that are part of an alert. */
export const alertCandidates = perView((view) => {
  let n = 0;
  for (const c of view.candidates) if (c.state === 'alert') n++;
  return n;
});
