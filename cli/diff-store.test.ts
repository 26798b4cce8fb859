import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreMemory } from '../adapters/store-memory.js';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { gatewayPaths } from '../runtime/paths.js';
import { runCsgw } from '../testing/cli-harness.js';

// csgw diff plans what the operator would: against a store this instance does not remember, nothing is removed.
let dir: string;
let ssm: EmbeddedSsmHandle;
const root = gatewayPaths('/cloudspectra', 'default').root;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-diff-store-'));
  ssm = await startEmbeddedSsm({ dataDir: join(dir, 'ssm') });
  const memory = createStoreMemory(join(dir, 'state'), 'gw-1', root);
  await memory.writeIdentity({
    storeId: 'store-remembered-1',
    root,
    adoptedAt: '2026-01-01T00:00:00Z',
    adoptedBy: 't',
  });
  await memory.writeSnapshot([
    { name: `${root}/spec/firewallpolicies/base`, version: 3, value: '{"defaultAction":"allow","rules":[]}' },
  ]);
});

afterAll(async () => {
  await ssm.close();
  await rm(dir, { recursive: true, force: true });
});

describe('csgw diff against a store this instance does not recognise', () => {
  it('says so and plans with the remembered resources kept', async () => {
    const run = await runCsgw(
      [
        ...['--endpoint-url', ssm.url, 'diff', '--imds', 'off', '--netns', 'csgw-no-such-ns'],
        '--state-dir',
        join(dir, 'state'),
      ],
      { env: { HOME: dir, CSGW_INSTANCE_ID: 'gw-1' } },
    );
    expect(run.stdout).toMatch(/store not recognised \(SourceUnrecognized\): .*not store store-remembered-1/);
    // The remembered policy is planned: FirewallPolicy has a resource (so the missing namespace is its problem), while
    // kinds the store and the memory both lack are converged on nothing.
    expect(run.stdout).toMatch(/^FirewallPolicy: KernelFeatureMissing/m);
    expect(run.stdout).toMatch(/^PortForward: converged \(no resource/m);
  });
});
