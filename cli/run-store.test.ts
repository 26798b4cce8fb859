import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { join } from 'node:path';
import { createStoreMemory } from '../adapters/store-memory.js';
import { startHarness, type Harness } from '../embedded-ssm/testdata/harness.js';
import { gatewayPaths } from '../runtime/paths.js';
import { runCsgw } from '../testing/cli-harness.js';

// csgw run with --bootstrap-defaults writes defaults only into a store it recognises (or its first store).
let h: Harness;
const paths = gatewayPaths('/cloudspectra', 'default');

beforeAll(async () => {
  h = await startHarness('run-store');
});

afterAll(async () => h.stop());

async function runBriefly(stateDir: string): Promise<void> {
  const argv = [
    '--endpoint-url',
    h.handle.url,
    'run',
    '--imds',
    'off',
    '--admin-listen',
    'off',
    '--log-level',
    'silent',
  ];
  const host = ['--netns', 'csgw-no-such-ns', '--state-dir', stateDir, '--daemon-dir', join(h.dir, 'daemons')];
  const run = await runCsgw([...argv, ...host, '--bootstrap-defaults'], {
    env: { HOME: h.dir, CSGW_INSTANCE_ID: 'gw-1' },
    shutdown: AbortSignal.timeout(1_500),
  });
  expect(run).toMatchObject({ code: 0 });
}

async function sourceNatExists(): Promise<boolean> {
  const name = `${paths.specRoot}/sourcenats/default`;
  return h.client.send(new GetParameterCommand({ Name: name })).then(
    () => true,
    (err: Error) => (err.name === 'ParameterNotFound' ? false : Promise.reject(err)),
  );
}

describe('csgw run --bootstrap-defaults', () => {
  it('does not write defaults into a store this instance does not recognise', async () => {
    const stateDir = join(h.dir, 'remembering');
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
    const stateDir = join(h.dir, 'fresh');
    await runBriefly(stateDir);
    expect(await sourceNatExists()).toBe(true);
    const remembered = await createStoreMemory(stateDir, 'gw-1', paths.root).readIdentity();
    expect(remembered?.storeId).toMatch(/^[0-9a-f-]{36}$/);
  }, 20_000);
});
