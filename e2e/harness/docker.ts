// Thin helpers over the Docker Engine API (dockerode). Not testcontainers:
// v12 cannot even be imported on Node 20 (its undici 8 needs Node >= 22), and
// the topology needs things GenericContainer does not offer anyway: a
// container on two networks before it starts, --init, sysctls, and networks
// with driver options.
import Dockerode from 'dockerode';
import type { Container, ContainerCreateOptions, Network } from 'dockerode';

/** Label put on every container and network, value = the run id. */
export const RUN_LABEL = 'csgw.e2e.run';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ContainerSpec {
  name: string;
  image: string;
  runId: string;
  /** First network; more can be attached with extraNetworks (before start). */
  network: string;
  extraNetworks?: string[];
  entrypoint?: string[];
  cmd?: string[];
  env?: Record<string, string>;
  capAdd?: string[];
  sysctls?: Record<string, string>;
  /** Replaces Docker's default read-only /proc paths (see topology.ts). */
  readonlyPaths?: string[];
  /** Container TCP ports published on 127.0.0.1 with a random host port. */
  ports?: number[];
}

let client: Dockerode | undefined;

/** One client per test file; honours DOCKER_HOST like the docker CLI. */
export function docker(): Dockerode {
  client ??= new Dockerode();
  return client;
}

export async function createNetwork(name: string, subnet: string, runId: string): Promise<Network> {
  return docker().createNetwork({
    Name: name,
    Driver: 'bridge',
    CheckDuplicate: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: subnet }] },
    // The host has bridge-nf-call-iptables=1: Docker's MASQUERADE rule would
    // otherwise rewrite test traffic and hide what the gateway's NAT did.
    Options: { 'com.docker.network.bridge.enable_ip_masquerade': 'false' },
    Labels: { [RUN_LABEL]: runId },
  });
}

function portBindings(ports: number[]): {
  exposed: Record<string, Record<string, never>>;
  bindings: Record<string, { HostIp: string; HostPort: string }[]>;
} {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const port of ports) {
    exposed[`${port}/tcp`] = {};
    bindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '' }];
  }
  return { exposed, bindings };
}

function createOptions(spec: ContainerSpec): ContainerCreateOptions {
  const { exposed, bindings } = portBindings(spec.ports ?? []);
  return {
    name: spec.name,
    Image: spec.image,
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    Env: Object.entries(spec.env ?? {}).map(([key, value]) => `${key}=${value}`),
    Labels: { [RUN_LABEL]: spec.runId },
    ExposedPorts: exposed,
    HostConfig: {
      Init: true,
      NetworkMode: spec.network,
      CapAdd: spec.capAdd ?? [],
      Sysctls: spec.sysctls ?? {},
      ...(spec.readonlyPaths ? { ReadonlyPaths: spec.readonlyPaths } : {}),
      PortBindings: bindings,
    },
  };
}

/** Creates, attaches to every network, then starts (so all NICs exist at PID 1 start). */
export async function startContainer(spec: ContainerSpec): Promise<Container> {
  const container = await docker().createContainer(createOptions(spec));
  // Docker API 1.41 (docker.io in bookworm) takes one network at create time.
  for (const extra of spec.extraNetworks ?? []) {
    await docker().getNetwork(extra).connect({ Container: container.id });
  }
  await container.start();
  return container;
}

// Without a TTY, Docker frames exec and log output: 8-byte header (stream id
// 1=stdout 2=stderr, 3 zero bytes, big-endian payload length), then payload.
function demux(raw: Buffer): { stdout: string; stderr: string; both: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const both: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const payload = raw.subarray(offset + 8, offset + 8 + raw.readUInt32BE(offset + 4));
    (raw[offset] === 2 ? err : out).push(payload);
    both.push(payload);
    offset += 8 + payload.length;
  }
  const text = (parts: Buffer[]): string => Buffer.concat(parts).toString('utf8');
  return { stdout: text(out), stderr: text(err), both: text(both) };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Runs argv (no shell) in the container and waits for it to finish. */
export async function execIn(container: Container, argv: string[]): Promise<ExecResult> {
  const exec = await container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
  const { stdout, stderr } = demux(await readAll(await exec.start({ hijack: true, stdin: false })));
  // The stream can end a moment before Docker records the exit code.
  for (let tries = 0; ; tries += 1) {
    const { Running, ExitCode } = await exec.inspect();
    if (!Running || tries >= 50) return { exitCode: ExitCode ?? -1, stdout, stderr };
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** stdout+stderr of a container so far (for failure messages). */
export async function containerLogs(container: Container): Promise<string> {
  return demux(await container.logs({ follow: false, stdout: true, stderr: true })).both;
}

export async function listRunResources(runId: string): Promise<{ containers: string[]; networks: string[] }> {
  const dockerode = docker();
  const filters = JSON.stringify({ label: [`${RUN_LABEL}=${runId}`] });
  const containers = await dockerode.listContainers({ all: true, filters });
  const networks = await dockerode.listNetworks({ filters });
  return { containers: containers.map((c) => c.Id), networks: networks.map((n) => n.Id) };
}

/** Removes every container, then every network, labelled with this run id. */
export async function removeRun(runId: string): Promise<void> {
  const dockerode = docker();
  const { containers, networks } = await listRunResources(runId);
  await Promise.all(containers.map((id) => dockerode.getContainer(id).remove({ force: true, v: true })));
  await Promise.all(networks.map((id) => dockerode.getNetwork(id).remove()));
}
