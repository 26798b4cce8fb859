import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParametersByPathCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../../adapters/ssm-client.js';
import { startEmbeddedSsm } from '../../embedded-ssm/index.js';
import { encodeLeaseRecord, type LeaseRecord } from '../../runtime/lease/record.js';
import { readLease } from './lease-watch.js';
import { parameterOf, startSsmTap, type SsmTap } from './ssm-tap.js';

describe('parameterOf', () => {
  it.each([
    ['{"Name":"/a/b","Value":"x"}', '/a/b'],
    ['{"Path":"/a/spec","Recursive":true}', '/a/spec'],
    ['{"Names":["/a/leases/cluster","/a/leases/az/use1-az1"]}', '/a/leases/cluster,/a/leases/az/use1-az1'],
    ['{"MaxResults":10}', ''],
    ['not json', ''],
  ])('%s -> %s', (body, expected) => expect(parameterOf(body)).toBe(expected));
});

const record = (over: Partial<LeaseRecord>): string =>
  encodeLeaseRecord({
    holder: 'i-1',
    epoch: 1,
    basedOn: 0,
    writeId: 'i-1/1/1',
    leaseDurationMs: 3000,
    released: false,
    acquireTime: '',
    renewTime: '',
    ...over,
  });

describe('the tap and readLease against the embedded SSM endpoint', () => {
  let dir: string;
  let ssm: Awaited<ReturnType<typeof startEmbeddedSsm>>;
  let tap: SsmTap;
  let client: SSMClient;
  const put = (name: string, value: string): Promise<unknown> =>
    client.send(new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true }));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'param-tap-'));
    ssm = await startEmbeddedSsm({ dataDir: join(dir, 'ssm') });
    tap = await startSsmTap(ssm.url);
    client = createSsmClient({ region: 'us-east-1', endpoint: tap.url, dummyCredentials: true });
  });

  afterAll(async () => {
    client.destroy();
    await tap.close();
    await ssm.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('records each call with its operation and parameter, and relays the answer', async () => {
    await put('/g/leases/cluster', record({}));
    const out = await client.send(new GetParametersByPathCommand({ Path: '/g' }));
    expect(out.Parameters).toHaveLength(0); // leases/cluster is two levels down: not listed without Recursive
    expect(tap.records.map((c) => [c.operation, c.parameter, c.status])).toEqual([
      ['PutParameter', '/g/leases/cluster', 200],
      ['GetParametersByPath', '/g', 200],
    ]);
  });

  it('readLease: holder only for an effective, unreleased record', async () => {
    const before = performance.now();
    await put('/r/lease', record({ basedOn: 0 })); // version 1, based on 0: effective
    const after = performance.now();
    const first = await readLease(client, '/r/lease');
    expect(first).toMatchObject({ version: 1, holder: 'i-1', released: false });
    // SSM's timestamp of the write, on the monotonic clock (±2 ms for the wall/monotonic conversion).
    expect(first.modifiedMs).toBeGreaterThanOrEqual(before - 2);
    expect(first.modifiedMs).toBeLessThanOrEqual(after + 2);
    await put('/r/lease', record({ holder: 'i-2', basedOn: 0 })); // version 2 based on 0: a losing write
    expect((await readLease(client, '/r/lease')).holder).toBeUndefined();
    await put('/r/lease', record({ holder: '', basedOn: 2, released: true })); // effective release
    expect(await readLease(client, '/r/lease')).toMatchObject({ version: 3, holder: undefined, released: true });
    expect(await readLease(client, '/r/missing')).toMatchObject({ version: 0, holder: undefined, released: false });
  });
});
