import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestPath } from '../../../src/engine/ingest/node-source';
import { ruleReadiness } from '../../../src/engine/rule/readiness';

const root = join(import.meta.dirname, '../../..');

describe('rule readiness', () => {
  it('names the spine counts and the devices the boot filter will empty', async () => {
    const net = (await ingestPath(join(root, 'public/samples/DeviceNetworkEvents.csv'))).table;
    const proc = (await ingestPath(join(root, 'public/samples/DeviceProcessEvents.csv'))).table;
    const r = ruleReadiness(
      new Map([
        ['DeviceNetworkEvents', net],
        ['DeviceProcessEvents', proc],
      ]),
    );
    // Counts agree with the rule's own first stages (tests/golden/rule-sample.*.plan.txt: 80 and 97).
    expect(r.lines).toContain('80 inbound RPC events on TCP 135 accepted by svchost RpcSs');
    expect(r.lines).toContain('97 process starts by svchost DcomLaunch on 6 devices');
    expect(r.unbooted).toEqual([{ device: 'srv-sql-05.corp.contoso.com', dcomStarts: 7 }]);
  });

  it('says which table is missing', () => {
    const r = ruleReadiness(new Map());
    expect(r.lines).toEqual([
      'no DeviceNetworkEvents loaded: the rule cannot see an inbound RPC connection',
      'no DeviceProcessEvents loaded: the rule cannot see DCOM server or child starts',
    ]);
  });
});
