import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { encodeLeaseRecord, type LeaseRecord } from '../runtime/lease/record.js';
import { runCsgw, type CliRun } from '../testing/cli-harness.js';
import { leaseRow } from './commands/leases.js';

const PREFIX = '/csgw-leases-test';
let tmp: string;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;

const record = (over: Partial<LeaseRecord>): LeaseRecord => ({
  holder: 'i-a',
  epoch: 1,
  basedOn: 0,
  writeId: 'i-a/x/1',
  leaseDurationMs: 3000,
  released: false,
  acquireTime: '',
  renewTime: '',
  ...over,
});

async function put(scope: string, value: string): Promise<void> {
  const Name = `${PREFIX}/default/leases/${scope}`;
  await client.send(new PutParameterCommand({ Name, Value: value, Type: 'String', Overwrite: true }));
}

function csgw(...argv: string[]): Promise<CliRun> {
  return runCsgw(['--endpoint-url', ssm.url, '--prefix', PREFIX, ...argv], { env: { HOME: tmp } });
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-leases-'));
  ssm = await startEmbeddedSsm({ dataDir: join(tmp, 'ssm') });
  client = new SSMClient({
    region: 'us-east-1',
    endpoint: ssm.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  // cluster: a claim (v1), a claim that lost the race (v2, based on 0), the winner's renew on top (v3).
  await put('cluster', encodeLeaseRecord(record({})));
  await put('cluster', encodeLeaseRecord(record({ holder: 'i-b', writeId: 'i-b/y/1' })));
  await put('cluster', encodeLeaseRecord(record({ basedOn: 2, writeId: 'i-a/x/2' })));
  // az/use1-az1: released by its holder.
  await put('az/use1-az1', encodeLeaseRecord(record({ holder: 'i-c', writeId: 'i-c/z/1' })));
  await put('az/use1-az1', encodeLeaseRecord(record({ holder: '', released: true, basedOn: 1, writeId: 'i-c/z/2' })));
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('csgw leases', () => {
  it('shows each scope’s latest version with the verdict every instance reaches', async () => {
    const run = await csgw('leases', '-o', 'json');
    expect(run.code).toBe(0);
    const rows = JSON.parse(run.stdout) as { scope: string; verdict: string; holder: string; epoch: number }[];
    expect(rows.map((r) => [r.scope, r.verdict, r.holder, r.epoch])).toEqual([
      ['az/use1-az1', 'released', '', 1],
      ['cluster', 'held', 'i-a', 1],
    ]);
    const table = await csgw('leases');
    expect(table.stdout).toMatch(/^SCOPE\s+VERSION\s+VERDICT/);
    expect(table.stdout).toMatch(/cluster\s+3\s+held\s+i-a/);
  });

  it('lists a scope’s history, marking the claim that lost the race', async () => {
    const run = await csgw('leases', '--history', 'cluster', '-o', 'json');
    const rows = JSON.parse(run.stdout) as { version: number; verdict: string; holder: string }[];
    expect(rows.map((r) => [r.version, r.verdict, r.holder])).toEqual([
      [1, 'held', 'i-a'],
      [2, 'lost', 'i-b'],
      [3, 'held', 'i-a'],
    ]);
  });

  it('rejects a malformed scope and reports a missing one', async () => {
    expect((await csgw('leases', '--history', '../spec')).stderr).toMatch(/invalid lease scope/);
    expect((await csgw('leases', '--history', 'az/use1-az9')).stderr).toMatch(/no lease parameter/);
  });

  it('calls a value that is not a lease record foreign', () => {
    expect(leaseRow('cluster', 4, 'hello').verdict).toBe('foreign');
  });
});
