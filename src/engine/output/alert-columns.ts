/**
 * The DCOM rule's output columns (its final `summarize`), first and in this order in every alert
 * view and export: the CLI's output, the dashboard's table and its CSV.
 */
export const ALERT_COLUMNS: readonly string[] = [
  'TimestampNetwEventExact',
  'TimestampProcEventExact',
  'DeviceId',
  'DeviceName',
  'InitiatingProcessId',
  'LocalIP',
  'RemoteIP',
  'LastBootTime',
  'DCOMCmdLine',
  'set_ProcessCommandLine',
];
