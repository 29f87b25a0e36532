import { formatInstant } from './zone';
import { useZone } from './zone-context';

interface Props {
  readonly iso: string;
  /** Fraction digits shown (the hover always has all 7 and the UTC original). */
  readonly digits?: number;
}

/** A time in the display zone with its zone printed; the hover has all 7 digits and the UTC original. */
export function TimeText({ iso, digits = 7 }: Props) {
  const zone = useZone();
  const text = formatInstant(iso, zone, digits);
  const full = formatInstant(iso, zone, 7);
  const title = zone === 'UTC' ? full : `${full}\n${formatInstant(iso, 'UTC', 7)}`;
  const [date, time, suffix] = text.split(' ');
  if (time === undefined) return <span className="time">{text}</span>;
  // Date, time and zone as unbreakable pieces: a narrow column wraps only between them.
  return (
    <span className="time" title={title}>
      <span className="nowrap">{date}</span> <span className="nowrap">{time}</span>{' '}
      <span className="nowrap">{suffix}</span>
    </span>
  );
}
