import type { ExplainView, UnknownBoot } from '../engine/worker/client';
import { plural } from './format';

interface Props {
  readonly view: ExplainView;
  readonly unknownBoot: UnknownBoot;
  readonly onKeep: () => void;
}

/**
 * The boot filter's silent drops, per device: with no services.exe start in the data, LastBootTime
 * is null and `TimestampProcEvent > LastBootTime+5m` is null, so `where` drops every candidate.
 */
export function BootBanner({ view, unknownBoot, onKeep }: Props) {
  const hit = view.devices.filter((d) => d.noBoot && d.bootDropped > 0);
  if (unknownBoot !== 'drop' || hit.length === 0) return null;
  const total = hit.reduce((s, d) => s + d.bootDropped, 0);
  return (
    <section className="boot-banner" role="alert" aria-labelledby="boot-banner-title">
      <h2 id="boot-banner-title" className="boot-banner-title">
        The boot filter hides {plural(total, 'candidate')} on {plural(hit.length, 'device')} with no boot in the data
      </h2>
      <ul className="boot-banner-list">
        {hit.map((d) => (
          <li key={d.device}>
            no boot seen on <strong className="mono">{d.device || '(no device)'}</strong>:{' '}
            {plural(d.bootDropped, 'candidate')} dropped by the boot filter
          </li>
        ))}
      </ul>
      <p className="boot-banner-help">
        No <code>services.exe</code> start means <code>LastBootTime</code> is null, and{' '}
        <code>TimestampProcEvent &gt; LastBootTime+5m</code> is then null, which <code>where</code> drops.
      </p>
      <button type="button" className="button button-small button-primary" onClick={onKeep}>
        Unknown boot time: keep
      </button>
    </section>
  );
}
