import { EVTXECMD_MARK } from './event-record';

function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** `{"@Name": "Image", "#text": "C:\\..."}` items of EventData/UserData, one or many. */
function collectData(node: unknown, out: Record<string, unknown>, depth = 0): void {
  if (depth > 6 || typeof node !== 'object' || node === null) return;
  if (Array.isArray(node)) {
    for (const item of node) collectData(item, out, depth + 1);
    return;
  }
  const obj = node as Record<string, unknown>;
  const name = textOf(obj['@Name']);
  if (name !== undefined) {
    // An item without #text is an empty value in the XML (<Data Name="x" />).
    out[name] = textOf(obj['#text']) ?? '';
    return;
  }
  for (const [k, v] of Object.entries(obj)) {
    if (k === 'Data') collectData(v, out, depth + 1);
    else if (typeof v === 'object') collectData(v, out, depth + 1);
    else if (depth >= 1 && !k.startsWith('@') && !k.startsWith('#')) {
      // UserData elements (<Param1>x</Param1>) and similar name -> value children.
      const t = textOf(v);
      if (t !== undefined && !(k in out)) out[k] = t;
    }
  }
}

/**
 * An EvtxECmd CSV row (TimeCreated, EventId, Computer, Channel, Provider, Payload with the
 * EventData as JSON) as a flat EVTX record that `WindowsEventNormaliser.add` accepts. EvtxECmd
 * writes TimeCreated in UTC (`2019-04-30 20:35:11.8560890`). A Payload that is not JSON leaves
 * only the System fields, so the normaliser reports the record instead of guessing.
 */
export function fromEvtxECmdRow(row: Record<string, string>): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  const payload = row.Payload ?? '';
  if (payload.trim() !== '') {
    try {
      collectData(JSON.parse(payload) as unknown, rec);
    } catch {
      rec['@payloadError'] = 'Payload is not JSON';
    }
  }
  const eventId = (row.EventId ?? row.EventID ?? '').trim();
  rec.EventID = /^\d{1,6}$/.test(eventId) ? Number(eventId) : eventId;
  rec.Channel = row.Channel ?? '';
  rec.ProviderName = row.Provider ?? row.ProviderName ?? '';
  rec.Computer = row.Computer ?? '';
  const time = (row.TimeCreated ?? '').trim();
  // No zone marker in EvtxECmd output: it is UTC, so say so for the parser.
  rec.TimeCreated = time !== '' && !/(Z|[+-]\d{2}:?\d{2})$/.test(time) ? `${time}Z` : time;
  if (row.EventRecordId !== undefined) rec.EventRecordID = row.EventRecordId;
  rec[EVTXECMD_MARK] = true;
  return rec;
}
