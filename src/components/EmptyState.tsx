/** What to drop, shown until some data is loaded. */
export function EmptyState() {
  return (
    <section className="empty-state" aria-labelledby="empty-title">
      <h2 id="empty-title">Drop Defender XDR exports here</h2>
      <p>
        dcomlens runs the Sentinel <strong>DCOM Lateral Movement</strong> rule on advanced-hunting exports: an inbound
        RPC connection to TCP 135 accepted by <span className="mono">svchost.exe -k RpcSs</span>, a DCOM server launched
        by <span className="mono">svchost.exe -k DcomLaunch</span> within two seconds, and the child process that server
        starts.
      </p>
      <ol className="empty-steps">
        <li>
          Export <span className="mono">DeviceNetworkEvents</span> and <span className="mono">DeviceProcessEvents</span>{' '}
          as CSV, TSV or Arrow.
        </li>
        <li>Drop both files on this page, or use Load event files.</li>
        <li>Review the alerts, tune the allow-list, export the alerts as CSV.</li>
      </ol>
      <p className="text-muted">Files are read by this page only; nothing is uploaded.</p>
    </section>
  );
}
