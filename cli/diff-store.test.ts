import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { join } from 'node:path';
import { createStoreMemory } from '../adapters/store-memory.js';
import { startHarness, type Harness } from '../embedded-ssm/testdata/harness.js';
import { gatewayPaths } from '../runtime/paths.js';
import { runCsgw } from '../testing/cli-harness.js';

// csgw diff plans what the operator would: against a store this instance does not remember, nothing is removed.
let h: Harness;
const root = gatewayPaths('/cloudspectra', 'default').root;

beforeAll(async () => {
  h = await startHarness('diff-store');
  const memory = createStoreMemory(join(h.dir, 'state'), 'gw-1', root);
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

afterAll(async () => h.stop());

describe('csgw diff against a store this instance does not recognise', () => {
  it('says so and plans with the remembered resources kept', async () => {
    const run = await runCsgw(
      [
        ...['--endpoint-url', h.handle.url, 'diff', '--imds', 'off', '--netns', 'csgw-no-such-ns'],
        '--state-dir',
        join(h.dir, 'state'),
      ],
      { env: { HOME: h.dir, CSGW_INSTANCE_ID: 'gw-1' } },
    );
    expect(run.stdout).toMatch(/store not recognised \(SourceUnrecognized\): .*not store store-remembered-1/);
    // The remembered policy is planned: FirewallPolicy has a resource (so the missing namespace is its problem), while
    // kinds the store and the memory both lack are converged on nothing.
    expect(run.stdout).toMatch(/^FirewallPolicy: KernelFeatureMissing/m);
    expect(run.stdout).toMatch(/^PortForward: converged \(no resource/m);
  });
});
