import { useEffect, useMemo, useRef, useState } from 'react';
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
import { plural } from './format';
import {
  alertFacts,
  cellText,
  formatGap,
  groupItems,
  matchesFilter,
  type AlertFacts,
  type GroupBy,
} from './alert-items';

interface Props {
  readonly columns: readonly ResultColumn[];
  readonly rows: readonly (readonly Cell[])[];
  readonly filter: string;
  readonly groupBy: GroupBy;
  /** Verdict label per row index (empty: none). */
  readonly verdictOf: (index: number) => string;
  /** The keyboard cursor and the opened alert, as row indices. */
  readonly cursor: number | null;
  readonly opened: number | null;
  readonly onOpen: (index: number) => void;
  /** Reports the visible row order (after filter, sort and grouping) for keyboard moves. */
  readonly onOrder: (order: readonly number[]) => void;
}

interface AlertRow {
  readonly cells: readonly Cell[];
  readonly index: number;
  /** Children and RPC → DCOM gap, derived from the cells. */
  readonly facts: AlertFacts;
  /** In the data, not an accessor's closure: react-table caches each row's values. */
  readonly verdict: string;
}

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

/** Column widths (px); the two command-line columns share what is left (app.css sets the table's minimum). */
const WIDTHS: Readonly<Record<string, number>> = {
  TimestampNetwEventExact: 146,
  TimestampProcEventExact: 146,
  DeviceId: 72,
  DeviceName: 140,
  InitiatingProcessId: 52,
  LocalIP: 106,
  RemoteIP: 106,
  LastBootTime: 146,
};

/** Sort key of a cell: numbers numerically, nulls last, the rest as text (ISO times sort as text). */
function compareCells(a: Cell, b: Cell): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = cellText(a);
  const sb = cellText(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The detection's alerts: sortable, filterable, groupable, virtualised; Enter or click opens one. */
export function AlertsTable({ columns, rows, filter, groupBy, verdictOf, cursor, opened, onOpen, onOrder }: Props) {
  const [sorting, setSorting] = useState<SortingState>([{ id: columns[0]?.name ?? '', desc: false }]);
  const data = useMemo(
    () =>
      rows
        .map((cells, index) => ({
          cells,
          index,
          verdict: verdictOf(index),
          facts: alertFacts(columns, cells),
        }))
        .filter(
          (r) =>
            matchesFilter(r.cells, filter) || (filter !== '' && r.verdict.toLowerCase().includes(filter.toLowerCase())),
        ),
    [rows, columns, filter, verdictOf],
  );
  const defs = useMemo<ColumnDef<AlertRow, Cell>[]>(
    () => [
      ...columns.map((c, i): ColumnDef<AlertRow, Cell> => ({
        id: c.name,
        accessorFn: (row: AlertRow) => row.cells[i] ?? null,
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
      {
        id: 'Children',
        accessorFn: (row: AlertRow) => row.facts.children,
        header: () => (
          <span className="th-label">
            <span>Children</span>
            <span className="th-column">count</span>
          </span>
        ),
        cell: (info) => {
          const n = info.getValue();
          return n === null ? <span className="null">—</span> : <span className="mono num-cell">{String(n)}</span>;
        },
        sortingFn: (ra: Row<AlertRow>, rb: Row<AlertRow>, id: string) =>
          compareCells(ra.getValue<Cell>(id), rb.getValue<Cell>(id)),
      },
      {
        id: 'Gap',
        accessorFn: (row: AlertRow) => row.facts.gapTicks,
        header: () => (
          <span className="th-label">
            <span>Gap</span>
            <span className="th-column">RPC → DCOM</span>
          </span>
        ),
        cell: (info) => {
          const { gapTicks, diffSeconds } = info.row.original.facts;
          if (gapTicks === null) return <span className="null">—</span>;
          return (
            <span
              className="mono num-cell gap-cell"
              title={`${formatGap(gapTicks, true)} · datetime_diff("second") = ${diffSeconds ?? '?'}`}
            >
              {formatGap(gapTicks)}
            </span>
          );
        },
        sortingFn: (ra: Row<AlertRow>, rb: Row<AlertRow>) => {
          const a = ra.original.facts.gapTicks;
          const b = rb.original.facts.gapTicks;
          if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
          return a < b ? -1 : a > b ? 1 : 0;
        },
      },
      {
        id: 'Verdict',
        accessorFn: (row: AlertRow) => row.verdict,
        header: () => (
          <span className="th-label">
            <span>Verdict</span>
            <span className="th-column">analyst</span>
          </span>
        ),
        cell: (info) => <span className="verdict-cell">{String(info.getValue() ?? '')}</span>,
      },
    ],
    [columns],
  );
  // The table instance is mutable by design; the React Compiler must not memoise around it.
  const table = useReactTable<AlertRow>({
    data,
    columns: defs,
    state: { sorting },
    onSortingChange: setSorting,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
  });
  const sorted = table.getRowModel().rows;
  const byIndex = useMemo(() => new Map(sorted.map((r) => [r.original.index, r])), [sorted]);
  const items = useMemo(
    () =>
      groupItems(
        sorted.map((r) => r.original.index),
        rows,
        columns,
        groupBy,
      ),
    [sorted, rows, columns, groupBy],
  );
  const order = useMemo(() => items.flatMap((it) => (it.kind === 'row' ? [it.index] : [])), [items]);
  const posOf = useMemo(() => new Map(order.map((r, i) => [r, i])), [order]);
  useEffect(() => onOrder(order), [order, onOrder]);
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scroller.current,
    estimateSize: (i) => (items[i]?.kind === 'group' ? 34 : 56),
    overscan: 12,
  });
  useEffect(() => {
    if (cursor === null) return;
    const at = items.findIndex((it) => it.kind === 'row' && it.index === cursor);
    if (at >= 0) virtualizer.scrollToIndex(at, { align: 'auto' });
  }, [cursor, items, virtualizer]);
  const virtual = virtualizer.getVirtualItems();
  const padTop = virtual[0]?.start ?? 0;
  const padBottom = virtual.length > 0 ? virtualizer.getTotalSize() - virtual[virtual.length - 1]!.end : 0;
  const span = columns.length + 3;

  return (
    <div className="alerts-scroller" ref={scroller}>
      <table className="alerts-table" aria-label="Alerts" aria-rowcount={order.length + 1}>
        <colgroup>
          {columns.map((c) => (
            <col key={c.name} style={WIDTHS[c.name] ? { width: WIDTHS[c.name] } : undefined} />
          ))}
          <col style={{ width: 70 }} />
          <col style={{ width: 64 }} />
          <col style={{ width: 96 }} />
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
              <td colSpan={span} style={{ height: padTop }} />
            </tr>
          )}
          {virtual.map((vi) => {
            const item = items[vi.index]!;
            if (item.kind === 'group') {
              return (
                <tr key={`g:${item.key}`} data-index={vi.index} ref={virtualizer.measureElement} className="group-row">
                  <th colSpan={span} scope="colgroup">
                    {item.key || '(empty)'} <span className="panel-note">{plural(item.count, 'alert')}</span>
                  </th>
                </tr>
              );
            }
            const row = byIndex.get(item.index)!;
            const pos = posOf.get(item.index) ?? 0;
            return (
              <tr
                key={row.id}
                data-index={vi.index}
                data-row={item.index}
                ref={virtualizer.measureElement}
                aria-rowindex={pos + 2}
                aria-selected={cursor === item.index}
                className={`alert-row${cursor === item.index ? ' cursor' : ''}${opened === item.index ? ' opened' : ''}`}
                onClick={() => onOpen(item.index)}
              >
                {row.getVisibleCells().map((cell) => (
                  <td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</td>
                ))}
              </tr>
            );
          })}
          {padBottom > 0 && (
            <tr className="pad-row" aria-hidden="true">
              <td colSpan={span} style={{ height: padBottom }} />
            </tr>
          )}
        </tbody>
      </table>
      {order.length === 0 && (
        <p className="empty-note">
          {rows.length === 0
            ? 'No alerts: no RPC → DCOM → child chain passed every stage of the rule.'
            : 'No alert matches the filter.'}
        </p>
      )}
    </div>
  );
}
