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
