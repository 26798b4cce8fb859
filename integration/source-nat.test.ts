import { FakeStoreMemory } from '../testing/fake-store-memory.js';
import { StoreGuard } from '../runtime/store-guard.js';
import { createSsmMarkerCreator } from '../adapters/ssm-store-marker.js';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { execa } from 'execa';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createSsmClient } from '../adapters/ssm-client.js';
import { createSsmLister } from '../adapters/ssm-lister.js';
import { createSsmStatusWriter } from '../adapters/ssm-status-writer.js';
import { createControllers } from '../composition/controllers.js';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { createLogger } from '../runtime/logger.js';
import { OperatorMetrics } from '../runtime/metrics.js';
import { Operator } from '../runtime/operator.js';
import { gatewayPaths, specPath, storeMarkerPath } from '../runtime/paths.js';
import type { ControllerStatus, StatusEvent } from '../runtime/status-types.js';
import { sourceNatKind } from '../crds-equivalent/source-nat.js';
import { createLabTopology, type LabTopology } from '../lab/topology.js';
import { waitFor } from '../testing/wait.js';

const paths = gatewayPaths('/cloudspectra', 'it');
const SPEC = specPath(paths, sourceNatKind, 'default');

let topo: LabTopology;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;
let dataDir: string;
let operator: Operator;

async function put(spec: unknown): Promise<number> {
  const out = await client.send(
    new PutParameterCommand({ Name: SPEC, Value: JSON.stringify(spec), Type: 'String', Overwrite: true }),
  );
  return out.Version ?? 0;
}

function natStatus(): ControllerStatus | undefined {
  return operator.hub.snapshot().controllers.SourceNat;
}

function condition(type: string): { status: string; reason: string; observedGeneration?: number } | undefined {
  return natStatus()?.conditions.find((c) => c.type === type);
}

/** The shared poller, with this file's habit of truthy probes. */
async function eventually<T>(what: string, probe: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  return waitFor(async () => (await probe()) || undefined, { what, timeoutMs, intervalMs: 100 });
}

async function natTableExists(): Promise<boolean> {
  return (await execa('nft', ['list', 'table', 'inet', 'csgw_nat'], { reject: false })).exitCode === 0;
}

function startOperator(): Operator {
  const op = new Operator(
    {
      paths,
      instanceId: 'it-gw',
      operatorVersion: 'test',
      pollIntervalMs: 200,
      staleAfterMs: 5_000,
      timing: { resyncMs: 500, backoffBaseMs: 200, backoffMaxMs: 2_000, inertRetryMs: 2_000, stageTimeoutMs: 30_000 },
      statusMinIntervalMs: 200,
    },
    {
      controllers: createControllers(createExecRunner(), { vpcCidrs: [] }),
      list: createSsmLister(client),
      guard: new StoreGuard(
        paths,
        new FakeStoreMemory(),
        createSsmMarkerCreator(client, storeMarkerPath(paths), () => new Date()),
        () => new Date(),
      ),
      writeStatus: createSsmStatusWriter(client),
      logger: createLogger('silent'),
      metrics: new OperatorMetrics(),
      clock: () => new Date(),
    },
  );
  return op;
}

beforeAll(async () => {
  topo = await createLabTopology();
  dataDir = await mkdtemp(join(tmpdir(), 'csgw-it-'));
  ssm = await startEmbeddedSsm({ dataDir });
  client = createSsmClient({ region: 'us-east-1', endpoint: ssm.url, dummyCredentials: true });
  operator = startOperator();
  await operator.start();
}, 30_000);

afterAll(async () => {
  await operator?.stop();
  client?.destroy();
  await ssm?.close();
  await topo?.cleanup();
  await execa('nft', ['delete', 'table', 'inet', 'csgw_nat'], { reject: false });
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('SourceNat against the real kernel (network namespaces)', () => {
  it('does not forward without a spec: the server never answers the client', async () => {
    expect(await topo.clientFetch(1)).toBeUndefined();
  });

  it('translates private egress to the gateway address once the spec is written', async () => {
    const generation = await put({ enable: true });
    await eventually(
      'Ready',
      () => condition('Ready')?.status === 'True' && condition('Ready')?.observedGeneration === generation,
    );
    const reply = await eventually('a reply through NAT', () => topo.clientFetch());
    expect(reply.remoteAddress).toBe(topo.gatewayPublicIp);
    expect(natStatus()?.details).toMatchObject({
      egressInterface: topo.publicIf,
      sourceCidrs: ['10.77.0.0/24'],
      sourceCidrsSource: 'connectedNetworks',
    });
  });

  it('repairs a table deleted out of band and reports the drift', async () => {
    await execa('nft', ['delete', 'table', 'inet', 'csgw_nat']);
    await eventually('DriftRepaired event', () =>
      operator.events.list().some((e: StatusEvent) => e.reason === 'DriftRepaired'),
    );
    expect(await natTableExists()).toBe(true);
    expect((await topo.clientFetch())?.remoteAddress).toBe(topo.gatewayPublicIp);
  });

  it('rejects an invalid spec in status while the last good NAT keeps working', async () => {
    const bad = await put({ enable: true, egressInterface: 'eth0"; flush ruleset #' });
    await eventually(
      'Degraded InvalidSpec',
      () => condition('Degraded')?.reason === 'InvalidSpec' && condition('Degraded')?.observedGeneration === bad,
    );
    expect(condition('Ready')?.status).toBe('True');
    expect((await topo.clientFetch())?.remoteAddress).toBe(topo.gatewayPublicIp);
    const ruleset = await execa('nft', ['list', 'table', 'inet', 'csgw_nat']);
    expect(ruleset.stdout).toContain(`oifname "${topo.publicIf}"`);
  });

  it('snat mode translates to the configured address', async () => {
    await execa('ip', ['addr', 'add', '203.0.113.9/24', 'dev', topo.publicIf]);
    const generation = await put({ enable: true, mode: 'snat', snatAddress: '203.0.113.9' });
    await eventually(
      'snat applied',
      () => condition('Ready')?.observedGeneration === generation && condition('Degraded')?.status === 'False',
    );
    expect((await topo.clientFetch())?.remoteAddress).toBe('203.0.113.9');
  });

  it('enable false removes the table and egress stops', async () => {
    const generation = await put({ enable: false });
    await eventually(
      'table removed',
      async () => condition('Ready')?.observedGeneration === generation && !(await natTableExists()),
    );
    expect(await topo.clientFetch(1)).toBeUndefined();
  });

  it('an operator restart leaves the data plane running', async () => {
    await put({ enable: true });
    await eventually('NAT back', () => topo.clientFetch());
    await operator.stop();
    expect(await natTableExists()).toBe(true);
    expect((await topo.clientFetch())?.remoteAddress).toBe(topo.gatewayPublicIp);
    operator = startOperator();
    await operator.start();
    await eventually('converged after restart', () => condition('Ready')?.reason === 'Converged');
    const applied = operator.events.list().filter((e) => e.reason === 'Applying');
    expect(applied).toEqual([]);
  });
});
