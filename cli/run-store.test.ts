import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreMemory } from '../adapters/store-memory.js';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { gatewayPaths } from '../runtime/paths.js';
import { runCsgw } from '../testing/cli-harness.js';

// csgw run with --bootstrap-defaults writes defaults only into a store it recognises (or its first store).
let dir: string;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;
const paths = gatewayPaths('/cloudspectra', 'default');

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-run-store-'));
  ssm = await startEmbeddedSsm({ dataDir: join(dir, 'ssm') });
  client = new SSMClient({
    region: 'us-east-1',
    endpoint: ssm.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
  await rm(dir, { recursive: true, force: true });
});

async function runBriefly(stateDir: string): Promise<void> {
  const argv = ['--endpoint-url', ssm.url, 'run', '--imds', 'off', '--admin-listen', 'off', '--log-level', 'silent'];
  const host = ['--netns', 'csgw-no-such-ns', '--state-dir', stateDir, '--daemon-dir', join(dir, 'daemons')];
  const run = await runCsgw([...argv, ...host, '--bootstrap-defaults'], {
    env: { HOME: dir, CSGW_INSTANCE_ID: 'gw-1' },
    shutdown: AbortSignal.timeout(1_500),
  });
  expect(run).toMatchObject({ code: 0 });
}

async function sourceNatExists(): Promise<boolean> {
  const name = `${paths.specRoot}/sourcenats/default`;
  return client.send(new GetParameterCommand({ Name: name })).then(
    () => true,
    (err: Error) => (err.name === 'ParameterNotFound' ? false : Promise.reject(err)),
  );
}

describe('csgw run --bootstrap-defaults', () => {
  it('does not write defaults into a store this instance does not recognise', async () => {
    const stateDir = join(dir, 'remembering');
    await createStoreMemory(stateDir, 'gw-1', paths.root).writeIdentity({
      storeId: 'store-elsewhere-1',
      root: paths.root,
      adoptedAt: '2026-01-01T00:00:00Z',
      adoptedBy: 'test',
    });
    await runBriefly(stateDir);
    expect(await sourceNatExists()).toBe(false);
  }, 20_000);

  it('bootstraps a store on first use, and remembers it', async () => {
    const stateDir = join(dir, 'fresh');
    await runBriefly(stateDir);
    expect(await sourceNatExists()).toBe(true);
    const remembered = await createStoreMemory(stateDir, 'gw-1', paths.root).readIdentity();
    expect(remembered?.storeId).toMatch(/^[0-9a-f-]{36}$/);
  }, 20_000);
});
