// More hosts on a topology's networks (load-balancer targets, a fake AWS endpoint): labelled with the topology's run
// id, so its cleanup() sweeps them with everything else.
import type { StartedTestContainer } from 'testcontainers';
import { ContainerOutput, execIn, startHost, type ExecResult } from './container.js';
import { GATEWAY_IMAGE, TESTHOST_IMAGE } from './images.js';
import type { Topology } from './topology.js';

export interface ExtraHostOptions {
  /** Unique within the topology; part of the container name. */
  name: string;
  network: 'public' | 'private';
  /** testhost (default) or the gateway image (for csgw's own lab programs, e.g. a fake AWS endpoint). */
  image?: 'testhost' | 'gateway';
  entrypoint?: string[];
  cmd?: string[];
  /** sh command that must succeed inside before the host counts as started. */
  readyCommand?: string;
}

export interface ExtraHost {
  readonly ip: string;
  exec(argv: string[]): Promise<ExecResult>;
  logs(): string;
}

export async function startExtraHost(t: Topology, opts: ExtraHostOptions): Promise<ExtraHost> {
  const output = new ContainerOutput();
  const network = t.networks[opts.network];
  const container: StartedTestContainer = await startHost({
    name: `csgw-e2e-${t.runId}-${opts.name}`,
    image: opts.image === 'gateway' ? GATEWAY_IMAGE : TESTHOST_IMAGE,
    runId: t.runId,
    network,
    capAdd: ['NET_ADMIN'],
    ...(opts.entrypoint ? { entrypoint: opts.entrypoint } : {}),
    ...(opts.cmd ? { cmd: opts.cmd } : {}),
    ...(opts.readyCommand ? { readyCommand: opts.readyCommand } : {}),
    output,
  });
  return {
    ip: container.getIpAddress(network),
    exec: (argv) => execIn(container, argv),
    logs: () => output.toString(),
  };
}

/** An echo server host (the testhost image's echo-server.mjs on `port`), ready once it answers. */
export function startEchoHost(
  t: Topology,
  name: string,
  port: number,
  network: ExtraHostOptions['network'],
): Promise<ExtraHost> {
  return startExtraHost(t, {
    name,
    network,
    cmd: ['node', '/usr/local/bin/echo-server.mjs', String(port)],
    readyCommand: `curl -sf --max-time 1 http://127.0.0.1:${port}/ >/dev/null`,
  });
}

/**
 * One of csgw's fake AWS endpoints (lab/fake-<service>/main.js) on the public network, reachable from the gateway as
 * `fake-<service>` (an /etc/hosts entry): what AWS_ENDPOINT_URL_<SERVICE> in the gateway's environment points at.
 */
export async function startFakeAwsEndpoint(t: Topology, service: string, port: number): Promise<ExtraHost> {
  const host = await startExtraHost(t, {
    name: service,
    network: 'public',
    image: 'gateway',
    entrypoint: ['/usr/local/bin/node', `/app/dist/lab/fake-${service}/main.js`],
    cmd: ['--listen', `0.0.0.0:${port}`],
    readyCommand: `curl -sf -o /dev/null --max-time 1 http://127.0.0.1:${port}/_state`,
  });
  const hosts = await t.exec('gateway', [
    'sh',
    '-c',
    'printf "%s\\n" "$1" >>/etc/hosts',
    'sh',
    `${host.ip} fake-${service}`,
  ]);
  if (hosts.exitCode !== 0) throw new Error(`/etc/hosts: ${hosts.stderr}`);
  return host;
}
