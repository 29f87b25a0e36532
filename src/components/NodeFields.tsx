import type { Cell, TreeNode } from '../engine/worker/client';
import { TimeText } from './TimeText';

interface Props {
  readonly node: TreeNode;
  readonly onClose: () => void;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$/;

function Value({ value }: { readonly value: Cell }) {
  if (value === null || value === '') return <span className="null">—</span>;
  if (typeof value === 'string' && ISO.test(value)) return <TimeText iso={value} />;
  if (typeof value === 'object') return <span className="cmd">{JSON.stringify(value)}</span>;
  return <span className="cmd">{String(value)}</span>;
}

/** Every field of a tree node's row, as inert text. */
export function NodeFields({ node, onClose }: Props) {
  return (
    <section className="node-fields" aria-label={`Fields of ${node.fileName}`}>
      <div className="node-fields-head">
        <h4>
          {node.fileName} <span className="mono">PID {node.pid ?? '?'}</span>
        </h4>
        <button type="button" className="button button-small button-quiet" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="node-link">Linked to its parent by: {node.link.text}</p>
      {node.record ? (
        <dl className="field-list">
          {node.record.fields.map(([name, value]) => (
            <div key={name} className="field-row">
              <dt>{name}</dt>
              <dd>
                <Value value={value} />
              </dd>
            </div>
          ))}
        </dl>
      ) : (
        <p className="note">No row of its own: inferred from its child&apos;s InitiatingProcess* fields.</p>
      )}
    </section>
  );
}
