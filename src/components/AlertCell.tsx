import { Fragment } from 'react';
import type { Cell, ResultColumn } from '../engine/worker/client';
import { TimeText } from './TimeText';

interface Props {
  readonly column: ResultColumn;
  readonly value: Cell;
}

const MONO = new Set(['LocalIP', 'RemoteIP', 'InitiatingProcessId']);

/** One alert cell as inert text: times with their zone, command lines in monospace, sets as lists. */
export function AlertCell({ column, value }: Props) {
  if (value === null) return <span className="null">—</span>;
  if (Array.isArray(value)) {
    return (
      <ul className="cmd-list">
        {value.map((v, i) => (
          <li key={i} className="cmd">
            {typeof v === 'string' ? v : JSON.stringify(v)}
          </li>
        ))}
      </ul>
    );
  }
  if (typeof value === 'object') return <span className="cmd">{JSON.stringify(value)}</span>;
  if (column.type === 'datetime' && typeof value === 'string') return <TimeText iso={value} />;
  // Device ids are 40 hex digits: one clipped line; hover shows it all and copying takes it all.
  if (column.name === 'DeviceId') {
    return (
      <span className="mono clip" title={String(value)}>
        {String(value)}
      </span>
    );
  }
  // Host names break after their dots rather than mid-label (<wbr> adds no characters to a copy).
  if (column.name === 'DeviceName' && typeof value === 'string') {
    return (
      <span>
        {value.split(/(?<=\.)/).map((part, i) => (
          <Fragment key={i}>
            {i > 0 && <wbr />}
            {part}
          </Fragment>
        ))}
      </span>
    );
  }
  if (/CmdLine|CommandLine/.test(column.name)) return <span className="cmd">{String(value)}</span>;
  if (typeof value === 'number') return <span className="mono num-cell">{String(value)}</span>;
  return <span className={MONO.has(column.name) ? 'mono' : undefined}>{String(value)}</span>;
}
