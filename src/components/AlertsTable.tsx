import { useMemo, useRef, useState } from 'react';
import {
  flexRender,
  getCoreRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type Row,
  type SortingState,
} from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Cell, ResultColumn } from '../engine/worker/client';
import { AlertCell } from './AlertCell';

interface Props {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly Cell[])[];
}

type AlertRow = readonly Cell[];

/** Friendly headings for the rule's output columns; the real column name is shown under each. */
const LABELS: Readonly<Record<string, string>> = {
  TimestampNetwEventExact: 'RPC connection',
  TimestampProcEventExact: 'DCOM launch',
  DeviceId: 'Device ID',
  DeviceName: 'Device',
  InitiatingProcessId: 'PID',
  LocalIP: 'Local IP',
  RemoteIP: 'Remote IP',
  LastBootTime: 'Last boot',
  DCOMCmdLine: 'DCOM server command line',
  set_ProcessCommandLine: 'Child command lines',
};

/** Column widths (px); the two command-line columns share what is left. */
const WIDTHS: Readonly<Record<string, number>> = {
  TimestampNetwEventExact: 146,
  TimestampProcEventExact: 146,
  DeviceId: 92,
  DeviceName: 140,
  InitiatingProcessId: 52,
  LocalIP: 106,
  RemoteIP: 106,
  LastBootTime: 146,
  DCOMCmdLine: 200,
};

/** Sort key of a cell: numbers numerically, nulls last, the rest as text (ISO times sort as text). */
function compareCells(a: Cell, b: Cell): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = Array.isArray(a) ? a.join('\n') : String(a);
  const sb = Array.isArray(b) ? b.join('\n') : String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The detection's alerts: sortable, virtualised (rows have variable height: command lines wrap). */
export function AlertsTable({ columns, rows }: Props) {
  const [sorting, setSorting] = useState<SortingState>([{ id: columns[0]?.name ?? '', desc: false }]);
  const defs = useMemo<ColumnDef<AlertRow, Cell>[]>(
    () =>
      columns.map((c, i) => ({
        id: c.name,
        accessorFn: (row: AlertRow) => row[i] ?? null,
        header: () => (
          <span className="th-label">
            <span>{LABELS[c.name] ?? c.name}</span>
            <span className="th-column">{c.name}</span>
          </span>
        ),
        cell: (info) => <AlertCell column={c} value={info.getValue()} />,
        sortingFn: (ra: Row<AlertRow>, rb: Row<AlertRow>, id: string) =>
          compareCells(ra.getValue<Cell>(id), rb.getValue<Cell>(id)),
        sortUndefined: 'last' as const,
      })),
    [columns],
  );
  // The table instance is mutable by design; the React Compiler must not memoise around it.
  // eslint-disable-next-line react-hooks/incompatible-library
  const table = useReactTable<AlertRow>({
    data: rows as AlertRow[],
    columns: defs,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  const sorted = table.getRowModel().rows;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: sorted.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => 56,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const padTop = items[0]?.start ?? 0;
  const padBottom = items.length > 0 ? virtualizer.getTotalSize() - items[items.length - 1]!.end : 0;

  return (
    <div className="alerts-scroller" ref={scroller}>
      <table className="alerts-table" aria-label="Alerts" aria-rowcount={sorted.length + 1}>
        <colgroup>
          {columns.map((c) => (
            <col key={c.name} style={WIDTHS[c.name] ? { width: WIDTHS[c.name] } : undefined} />
          ))}
        </colgroup>
        <thead>
          {table.getHeaderGroups().map((hg) => (
            <tr key={hg.id} aria-rowindex={1}>
              {hg.headers.map((h) => {
                const dir = h.column.getIsSorted();
                return (
                  <th
                    key={h.id}
                    scope="col"
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                  >
                    <button type="button" className="sort-button" onClick={h.column.getToggleSortingHandler()}>
                      {flexRender(h.column.columnDef.header, h.getContext())}
                      <span className="sort-mark" aria-hidden="true">
                        {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
                      </span>
                    </button>
                  </th>
                );
              })}
            </tr>
          ))}
        </thead>
        <tbody>
          {padTop > 0 && (
            <tr className="pad-row" aria-hidden="true">
              <td colSpan={columns.length} style={{ height: padTop }} />
            </tr>
          )}
          {items.map((vi) => {
            const row = sorted[vi.index]!;
            return (
              <tr
                key={row.id}
                data-index={vi.index}
                ref={virtualizer.measureElement}
                aria-rowindex={vi.index + 2}
                className="alert-row"
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr className="pad-row" aria-hidden="true">
              <td colSpan={columns.length} style={{ height: padBottom }} />
            </tr>
          )}
        </tbody>
      </table>
      {sorted.length === 0 && (
        <p className="empty-note">No alerts: no RPC → DCOM → child chain passed every stage of the rule.</p>
      )}
    </div>
  );
}
