/**
 * Per-view lookups the page uses instead of scanning the candidates again: they agree with the
 * scans they replace (first match in candidate order, DCOM start preferred for an alert), are
 * made once per view object, and the gap histogram's counts equal a count over every candidate.
 */
import { describe, expect, it } from 'vitest';
import type { CandidateView, ExplainView } from '../../src/engine/worker/client';
import { alertCandidates, candidateOfAlert, candidatesByKey, perView } from '../../src/components/explain-index';
import { nearMisses, suspiciousChains } from '../../src/components/explain-items';
import { layoutGaps } from '../../src/components/gap-histogram';
import { explainFixture, explainWithoutWmi } from './explain-fixtures';

const views: readonly [string, () => ExplainView][] = [
  ['fixture', explainFixture],
  ['without WMI', explainWithoutWmi],
];

describe.each(views)('per-view lookups (%s)', (_, make) => {
  const view = make();

  it('candidatesByKey finds what find() finds', () => {
    for (const c of view.candidates)
      expect(candidatesByKey(view).get(c.key)).toBe(view.candidates.find((x) => x.key === c.key));
    expect(candidatesByKey(view).get('no such key')).toBeUndefined();
  });

  it('candidateOfAlert prefers the first DCOM start, else the first candidate in the alert', () => {
    expect(view.alertKeys.length).toBeGreaterThan(0);
    for (const key of view.alertKeys) {
      const want =
        view.candidates.find((x) => x.spine === 'dcomProcEvents' && x.alertKeys.includes(key)) ??
        view.candidates.find((x) => x.alertKeys.includes(key));
      expect(candidateOfAlert(view).get(key)).toBe(want);
    }
  });

  it('counts alert candidates', () => {
    expect(alertCandidates(view)).toBe(view.candidates.filter((c) => c.state === 'alert').length);
  });

  it('lists are made once per view object', () => {
    expect(nearMisses(view)).toBe(nearMisses(view));
    expect(suspiciousChains(view)).toBe(suspiciousChains(view));
    expect(suspiciousChains(make())).not.toBe(suspiciousChains(view));
  });

  it('the gap histogram counts every DCOM start with a gap, whatever the draft window', () => {
    for (const w of [view.window, { lo: -3, hi: 6 }, { lo: 0, hi: 0 }]) {
      const l = layoutGaps(view, 400, 120, 8, w);
      const gaps = view.candidates.filter((c) => c.spine === 'dcomProcEvents' && c.gap !== null);
      expect(gaps.length).toBeGreaterThan(0);
      expect(l.total).toBe(gaps.length);
      const clamp = (g: number): number => Math.max(l.lo, Math.min(l.hi, g));
      for (const b of l.bins) {
        const inBin = (c: CandidateView): boolean => Math.floor(clamp(c.gap!)) === b.gap;
        expect(b.alerts).toBe(gaps.filter((c) => inBin(c) && c.state === 'alert').length);
        expect(b.suppressed).toBe(gaps.filter((c) => inBin(c) && c.state !== 'alert').length);
      }
    }
  });
});

describe('perView', () => {
  it('makes a value once per view object', () => {
    let made = 0;
    const f = perView(() => ++made);
    const a = explainFixture();
    const b = explainFixture();
    expect([f(a), f(a), f(b), f(a)]).toEqual([1, 1, 2, 1]);
  });
});
