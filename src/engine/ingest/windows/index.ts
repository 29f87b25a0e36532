/** Sysmon / Windows Security events as Defender tables (schemas.md §3-§7). */
export {
  isWindowsEventRecord,
  WindowsEventNormaliser,
  fromEvtxECmdRow,
  enrichAcrossFiles,
} from './windows-event-normaliser';
export { enrichTablesAcrossFiles } from './enrich-across-files';
export { INFERRED_COLUMNS } from './normalised-event';
export { RPCSS_COMMAND_LINE } from './link-processes';
