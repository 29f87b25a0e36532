import { formatUtc } from './format';

/** Date and time-with-zone as two unbreakable halves, so a narrow column wraps only between them. */
export function UtcTime({ iso }: { readonly iso: string }) {
  const text = formatUtc(iso);
  const cut = text.indexOf(' ');
  if (cut < 0) return <span className="time">{text}</span>;
  return (
    <span className="time">
      <span className="nowrap">{text.slice(0, cut)}</span> <span className="nowrap">{text.slice(cut + 1)}</span>
    </span>
  );
}
