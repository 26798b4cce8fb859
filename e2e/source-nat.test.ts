import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../adapters/ssm-client.js';
import type { Condition, InstanceStatus, StatusEvent } from '../runtime/status-types.js';
import { runCsgw } from '../testing/cli-harness.js';
import { createTopology, curlServer, ensureImages, waitFor, type Topology } from './harness/index.js';

/**
 * The operator in a gateway container (embedded SSM inside it, published on 127.0.0.1), a client behind it and a
 * server that can only answer NATed traffic. Specs are written the way users write them: `csgw apply` with
 * --endpoint-url, or a raw PutParameter.
 */
const GATEWAY = 'e2e';
const SPEC_NAME = `/cloudspectra/${GATEWAY}/spec/sourcenats/default`;
const STATUS_NAME = `/cloudspectra/${GATEWAY}/status/gw-1`;

let t: Topology;
let ssm: SSMClient;
let endpoint: string;
let adminUrl: string;
let workDir: string;

async function csgw(args: string[]): Promise<string> {
  const run = await runCsgw(['--endpoint-url', endpoint, '--gateway', GATEWAY, ...args], { env: {} });
  if (run.code !== 0) throw new Error(`csgw ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
  return run.stdout;
}

async function applySpec(spec: Record<string, unknown>): Promise<void> {
  const file = join(workDir, 'sourcenat.json');
  await writeFile(file, JSON.stringify({ kind: 'SourceNat', name: 'default', spec }));
  await csgw(['apply', '-f', file]);
}

async function condition(type: string): Promise<Condition | undefined> {
  const out = await ssm.send(new GetParameterCommand({ Name: STATUS_NAME }));
  const status = JSON.parse(out.Parameter?.Value ?? '{}') as InstanceStatus;
  return status.controllers?.SourceNat?.conditions.find((c) => c.type === type);
}

async function events(): Promise<StatusEvent[]> {
  const out = await csgw(['events', '--admin-url', adminUrl, '-o', 'json']);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as StatusEvent);
}

async function natReply(maxTimeSec = 3): Promise<string | undefined> {
  return (await curlServer(t, '/', { maxTimeSec })).reply?.remoteAddress;
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('source-nat', {
    gatewayCommand: [
      'run',
      '--imds',
      'off',
      '--gateway',
      GATEWAY,
      '--instance-id',
      'gw-1',
      '--embedded-ssm-listen',
      '0.0.0.0:4566',
      '--admin-listen',
      '0.0.0.0:9464',
      '--poll-interval',
      '1',
      '--resync-interval',
      '2',
      '--status-interval',
      '1',
    ],
  });
  endpoint = `http://127.0.0.1:${t.hostPorts[4566]}`;
  adminUrl = `http://127.0.0.1:${t.hostPorts[9464]}`;
  ssm = createSsmClient({ region: 'us-east-1', endpoint, dummyCredentials: true });
  workDir = await mkdtemp(join(tmpdir(), 'csgw-e2e-'));
  await waitFor(async () => (await fetch(`${adminUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok, {
    timeoutMs: 30_000,
    what: 'operator admin endpoint',
  });
}, 20 * 60_000);

afterAll(async () => {
  ssm?.destroy();
  await t?.cleanup();
  if (workDir) await rm(workDir, { recursive: true, force: true });
}, 60_000);

describe('SourceNat in a gateway container', () => {
  it('without a spec the server cannot answer the client', async () => {
    expect(await natReply(2)).toBeUndefined();
  }, 30_000);

  it('a SourceNat spec makes the server see the gateway public address', async () => {
    await applySpec({ enable: true, conntrack: { tcpEstablishedTimeoutSeconds: 7440 } });
    const seen = await waitFor(() => natReply(), { timeoutMs: 30_000, what: 'a reply through NAT' });
    expect(seen).toBe(t.gatewayPublicIp);
    const ready = await waitFor(
      async () => {
        const c = await condition('Ready');
        return c?.status === 'True' && c.observedGeneration === 1 ? c : undefined;
      },
      { timeoutMs: 30_000, what: 'Ready for generation 1 in the SSM status document' },
    );
    expect(ready.reason).toMatch(/Applied|Converged/);
    const sysctl = await t.exec('gateway', [
      'cat',
      '/proc/sys/net/ipv4/ip_forward',
      '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established',
    ]);
    expect(sysctl.stdout.split('\n').slice(0, 2)).toEqual(['1', '7440']);
  }, 120_000);

  it('a table deleted by hand is restored and a drift event is emitted', async () => {
    const deleted = await t.exec('gateway', ['nft', 'delete', 'table', 'inet', 'csgw_nat']);
    expect(deleted.exitCode).toBe(0);
    const repaired = await waitFor(async () => (await events()).find((e) => e.reason === 'DriftRepaired'), {
      timeoutMs: 30_000,
      what: 'DriftRepaired event',
    });
    expect(repaired.object).toEqual({ kind: 'SourceNat', name: 'default' });
    expect((await events()).some((e) => e.reason === 'DriftDetected')).toBe(true);
    expect((await t.exec('gateway', ['nft', 'list', 'table', 'inet', 'csgw_nat'])).exitCode).toBe(0);
    expect(await natReply()).toBe(t.gatewayPublicIp);
  }, 60_000);

  it('an invalid spec is rejected in status while the last good NAT keeps working', async () => {
    const before = (await t.exec('gateway', ['nft', '--stateless', 'list', 'table', 'inet', 'csgw_nat'])).stdout;
    await ssm.send(
      new PutParameterCommand({
        Name: SPEC_NAME,
        Value: JSON.stringify({ enable: true, egressInterface: 'eth0; flush ruleset' }),
        Type: 'String',
        Overwrite: true,
      }),
    );
    const degraded = await waitFor(
      async () => ((await condition('Degraded'))?.reason === 'InvalidSpec' ? condition('Degraded') : undefined),
      { timeoutMs: 30_000, what: 'Degraded InvalidSpec' },
    );
    expect(degraded?.message).toContain('spec.egressInterface');
    expect(degraded?.observedGeneration).toBe(2);
    expect((await condition('Ready'))?.status).toBe('True');
    expect(await natReply()).toBe(t.gatewayPublicIp);
    expect((await t.exec('gateway', ['nft', '--stateless', 'list', 'table', 'inet', 'csgw_nat'])).stdout).toBe(before);
  }, 60_000);

  it('enable false removes the table and egress stops', async () => {
    await applySpec({ enable: false });
    await waitFor(async () => (await t.exec('gateway', ['nft', 'list', 'table', 'inet', 'csgw_nat'])).exitCode !== 0, {
      timeoutMs: 30_000,
      what: 'table removed',
    });
    expect(await natReply(2)).toBeUndefined();
  }, 60_000);

  it('csgw get and status read back what the fleet reports', async () => {
    expect(await csgw(['get', 'sourcenat'])).toMatch(/default\s+\d+\s+false/);
    expect(await csgw(['status'])).toMatch(/gw-1\s+SourceNat\s+default/);
  }, 30_000);
});
