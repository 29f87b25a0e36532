/**
 * The generator's row model. A row is an array of cells in the schema's column order
 * (src/engine/table/defender-schema.ts). Datetime cells are numbers of 100 ns ticks relative to the
 * generator's origin (see clock.ts); long/int cells are numbers; null means an empty export cell.
 * Strings are never null (Kusto has no null string), so a missing string is ''.
 */
export type Cell = string | number | boolean | null;

export type TableName = 'DeviceNetworkEvents' | 'DeviceProcessEvents';

/** Where generated rows go, one table per sink, in emission order. */
export interface RowSink {
  writeRow(cells: readonly Cell[]): void;
}

/** An executable image as Defender describes it (hashes, version resource). */
export interface Image {
  readonly fileName: string;
  /** Full path including the file name, as Defender's FolderPath usually shows it. */
  readonly path: string;
  readonly sha1: string;
  readonly sha256: string;
  readonly md5: string;
  readonly size: number;
  readonly company: string;
  readonly product: string;
  readonly version: string;
  readonly internalName: string;
  readonly originalName: string;
  readonly description: string;
  readonly signerType: string;
}

export interface Account {
  readonly domain: string;
  readonly name: string;
  readonly sid: string;
  readonly upn: string;
  readonly objectId: string;
  readonly logonId: number;
  readonly integrity: string;
  readonly elevation: string;
  readonly session: number;
}

/** A process instance on a device. */
export interface Proc {
  readonly pid: number;
  readonly image: Image;
  readonly cmd: string;
  /** Creation time, ticks relative to the origin. */
  readonly created: number;
  readonly account: Account;
  readonly uniqueId: string;
  /** The process that created it; null when it is unknown to the sensor. */
  readonly parent: Proc | null;
}

/** Per-row overrides used by the planted traps (a row that disagrees with its process's true name). */
export interface ProcessRowOverrides {
  readonly initiatingFileName?: string;
  readonly initiatingCommandLine?: string;
  readonly initiatingParentFileName?: string;
}

export interface NetworkSpec {
  readonly action: string;
  readonly localIP: string;
  readonly localPort: number | null;
  readonly remoteIP: string;
  readonly remotePort: number | null;
  readonly remoteUrl: string;
  readonly protocol: string;
  readonly additionalFields: string;
}

export interface NetworkRowOverrides {
  readonly initiatingFileName?: string;
  readonly initiatingCommandLine?: string;
}
