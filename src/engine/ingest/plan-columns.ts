import type { ScalarType } from '../table/column';
import type { MappedColumn } from './ingest-report';
import {
  normaliseHeaderName,
  recogniseTable,
  REQUIRED_COLUMNS,
  schemaOf,
  type DefenderTableName,
} from './recognise-table';
import { INFERRED_COLUMNS } from './windows/normalised-event';

export interface ColumnSelection {
  /** Only these columns are decoded (in this order); default: every known column present. */
  readonly columns?: readonly string[];
  /** Skip recognition and treat the file as this Defender table. */
  readonly table?: DefenderTableName;
  /**
   * Per recognised table, the columns to decode (a query's needs, from plan/required-columns):
   * used when `columns` is not given, so a file is pruned once its table is known from its header.
   */
  readonly columnsByTable?: Readonly<Partial<Record<string, readonly string[]>>>;
}

/** The columns to decode for a table, from `columns` or `columnsByTable`. */
export function selectedColumns(sel: ColumnSelection, table: string | null): readonly string[] | undefined {
  if (sel.columns !== undefined) return sel.columns;
  return table === null ? undefined : sel.columnsByTable?.[table];
}

export interface PlannedColumn extends MappedColumn {
  /** Index of the field in the file's header / Arrow schema. */
  readonly sourceIndex: number;
}

export interface ColumnPlan {
  readonly recognised: DefenderTableName | null;
  readonly kept: readonly PlannedColumn[];
  readonly missing: readonly string[];
  readonly ignored: readonly string[];
  readonly warnings: readonly string[];
}

/**
 * Decides which file columns become which typed table columns. Known Defender columns get their
 * schema type (`dynamic` is kept as its raw string in this version); unknown columns are kept only
 * when requested, as `naturalType` says (CSV: string; Arrow: from the Arrow type).
 */
export function planColumns(
  rawNames: readonly string[],
  sel: ColumnSelection,
  naturalType: (sourceIndex: number) => ScalarType = () => 'string',
): ColumnPlan {
  const warnings: string[] = [];
  const headers = rawNames.map(normaliseHeaderName);
  const byName = new Map<string, number>();
  const byLower = new Map<string, number>();
  headers.forEach((h, i) => {
    if (h.name === '') {
      warnings.push(`column ${i + 1} has an empty header name; ignored`);
      return;
    }
    if (byName.has(h.name)) {
      warnings.push(`column ${i + 1} repeats the header name ${JSON.stringify(h.name)}; the first one is used`);
      return;
    }
    byName.set(h.name, i);
    if (!byLower.has(h.name.toLowerCase())) byLower.set(h.name.toLowerCase(), i);
  });

  const recognised = sel.table ?? recogniseTable([...byName.keys()])?.table ?? null;
  const schema = recognised === null ? [] : schemaOf(recognised);
  const schemaType = new Map<string, ScalarType>(schema.map((c) => [c.name, c.type]));

  // Exact names first; a header differing only in case maps too, with a warning (Kusto names are case-sensitive).
  const find = (name: string): number | undefined => {
    const exact = byName.get(name);
    if (exact !== undefined) return exact;
    const loose = byLower.get(name.toLowerCase());
    if (loose !== undefined && headers[loose]!.name !== name && !byName.has(name)) {
      warnings.push(`header ${JSON.stringify(rawNames[loose])} taken as ${name} (names differ in case)`);
      return loose;
    }
    return undefined;
  };

  let wanted: readonly string[];
  const selected = selectedColumns(sel, recognised);
  if (selected !== undefined) wanted = selected;
  else if (recognised !== null) wanted = schema.map((c) => c.name);
  else wanted = [...byName.keys()];

  const kept: PlannedColumn[] = [];
  const missing: string[] = [];
  const used = new Set<number>();
  for (const name of wanted) {
    const idx = find(name);
    if (idx === undefined || used.has(idx)) {
      // InferredColumns exists only where dcomlens normalised Windows events: its absence is not news.
      if (name !== INFERRED_COLUMNS) missing.push(name);
      continue;
    }
    used.add(idx);
    const declared = schemaType.get(name);
    const type: ScalarType = declared === undefined ? naturalType(idx) : declared === 'dynamic' ? 'string' : declared;
    if (declared === 'dynamic')
      warnings.push(`${name} (dynamic) is kept as its raw JSON text, typed string, in this version`);
    const zone = headers[idx]!.zone;
    if (zone === 'Local Time' && type === 'datetime') {
      warnings.push(
        `${name}: the header says [Local Time]; values were taken as UTC, so they are off by the exporter's UTC offset`,
      );
    }
    kept.push({ name, source: rawNames[idx]!, type, sourceIndex: idx });
  }
  if (recognised === null && sel.table === undefined) {
    warnings.push(
      'table not recognised as DeviceProcessEvents or DeviceNetworkEvents from its columns; ' +
        (sel.columns === undefined
          ? 'every column was loaded as a string'
          : 'the requested columns were loaded untyped'),
    );
  }
  if (recognised !== null) {
    const req = REQUIRED_COLUMNS[recognised].filter((c) => find(c) === undefined);
    if (req.length > 0) warnings.push(`${recognised}: columns the DCOM rule needs are missing: ${req.join(', ')}`);
  }
  const ignored = rawNames.filter((_, i) => !used.has(i));
  return { recognised, kept, missing, ignored, warnings: [...new Set(warnings)] };
}
