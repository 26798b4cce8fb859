// A fleet of operator containers sharing ONE embedded SSM endpoint and one fake EC2 API on one test network:
//
//   ssm (csgw ssm serve :4566)   ec2 (lab/fake-ec2 :8900)   member gw-1 ... gw-N (csgw run)
//
// For what only a fleet shows: leader election over real SSM wire calls, and failover when a member dies. The EC2 API
// is the fake, so addresses and ENIs are whatever the state file says; the members claim EC2 identities through
// CSGW_EC2_* and never need IMDS.
import type Dockerode from 'dockerode';
import type { StartedTestContainer } from 'testcontainers';
import { waitFor } from '../../testing/wait.js';
import { ContainerOutput, startHost, type HostSpec } from './container.js';
import { createNetwork, dockerode, removeRun } from './docker.js';
import { GATEWAY_IMAGE } from './images.js';
import { firstHost, pickFreeSubnets } from './subnets.js';
import { newRunId } from './topology.js';

/** One operator container and the EC2 identity it claims. */
export interface MemberSpec {
  /** --instance-id: its status parameter name and lease holder name, e.g. gw-1. */
  name: string;
  /** i-<hex>, like a real instance id (CSGW_EC2_INSTANCE_ID is validated). */
  ec2InstanceId: string;
  /** Its primary ENI; must exist in the fake's state for EC2 controllers to act. */
  eniId: string;
  /** e.g. us-east-1a; the region is always us-east-1. */
  availabilityZone: string;
  /** e.g. use1-az1: names its az/<id> lease. */
  availabilityZoneId: string;
}

export interface ClusterOptions {
  gateway: string;
  members: MemberSpec[];
  /** Initial state of the fake EC2 server (see lab/fake-ec2/state.ts). */
  ec2State: unknown;
  /** Appended to every member's `csgw run` arguments. */
  runArgs?: string[];
}

export interface Cluster {
  readonly runId: string;
  /** The embedded SSM endpoint, from the host. */
  readonly ssmUrl: string;
  /** The fake EC2 server, from the host: GET /_state, GET /_calls. */
  readonly ec2Url: string;
  /** Member name -> its admin endpoint (/healthz, /status, /events), from the host. */
  readonly adminUrls: Readonly<Record<string, string>>;
  /** `docker kill` (SIGKILL): the member releases nothing. Resolves once it is dead. */
  kill(member: string): Promise<void>;
  /** `docker stop` (SIGTERM, SIGKILL after 10 s): resolves once it exited. */
  stop(member: string): Promise<void>;
  /** stdout+stderr of a member, of 'ssm' or of 'ec2', since it started. */
  logs(name: string): string;
  /** Removes every container and the network of this run; safe to call twice. */
  cleanup(): Promise<void>;
}

export const CLUSTER_REGION = 'us-east-1';
const SSM_PORT = 4566;
const EC2_PORT = 8900;
const ADMIN_PORT = 9464;
const EC2_STATE_FILE = '/tmp/fake-ec2-state.json';
const HEALTHY_TIMEOUT_MS = 30_000;

interface ClusterRun {
  runId: string;
  prefix: string;
  network: string;
  started: Map<string, StartedTestContainer>;
  output: Map<string, ContainerOutput>;
}

// Retried because a concurrent run may grab the same random subnet between the pick and the create.
async function createRunNetwork(run: ClusterRun): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const [subnet = ''] = await pickFreeSubnets(1);
    try {
      return await createNetwork(run.network, subnet, firstHost(subnet), run.runId);
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

/** Starts one container of the run from the gateway image and tracks it (and its output) for teardown. */
async function start(
  run: ClusterRun,
  name: string,
  spec: Omit<HostSpec, 'name' | 'image' | 'runId' | 'network' | 'output'>,
): Promise<StartedTestContainer> {
  const output = new ContainerOutput();
  run.output.set(name, output);
  const container = await startHost({
    ...spec,
    name: `${run.prefix}-${name}`,
    image: GATEWAY_IMAGE,
    runId: run.runId,
    network: run.network,
    output,
  });
  run.started.set(name, container);
  return container;
}

function startSsm(run: ClusterRun): Promise<StartedTestContainer> {
  return start(run, 'ssm', {
    cmd: ['--data-dir', '/data', 'ssm', 'serve', '--listen', `0.0.0.0:${SSM_PORT}`],
    ports: [SSM_PORT],
    // Any HTTP answer (the endpoint only speaks POST) means it listens.
    readyCommand: `curl -s -o /dev/null --max-time 1 http://127.0.0.1:${SSM_PORT}/`,
  });
}

function startEc2(run: ClusterRun, state: unknown): Promise<StartedTestContainer> {
  return start(run, 'ec2', {
    entrypoint: ['/usr/local/bin/node', '/app/dist/lab/fake-ec2/main.js'],
    cmd: ['--listen', `0.0.0.0:${EC2_PORT}`, '--state', EC2_STATE_FILE],
    files: [{ content: JSON.stringify(state), target: EC2_STATE_FILE }],
    ports: [EC2_PORT],
    readyCommand: `curl -sf -o /dev/null --max-time 1 http://127.0.0.1:${EC2_PORT}/_state`,
  });
}

interface Endpoints {
  ssm: string;
  ec2: string;
}

function startMember(run: ClusterRun, m: MemberSpec, inside: Endpoints, opts: ClusterOptions): Promise<unknown> {
  return start(run, m.name, {
    cmd: [
      ...['--endpoint-url', inside.ssm, '--gateway', opts.gateway, 'run', '--instance-id', m.name, '--imds', 'off'],
      ...['--admin-listen', `0.0.0.0:${ADMIN_PORT}`, '--poll-interval', '1', ...(opts.runArgs ?? [])],
    ],
    env: {
      AWS_ENDPOINT_URL_EC2: inside.ec2,
      // The fake checks no signatures; the SDK only needs some credentials to sign with.
      AWS_ACCESS_KEY_ID: 'e2e',
      AWS_SECRET_ACCESS_KEY: 'e2e',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      CSGW_EC2_INSTANCE_ID: m.ec2InstanceId,
      CSGW_EC2_REGION: CLUSTER_REGION,
      CSGW_EC2_AZ: m.availabilityZone,
      CSGW_EC2_AZ_ID: m.availabilityZoneId,
      CSGW_EC2_ENI_ID: m.eniId,
      CSGW_EC2_ACCOUNT_ID: '123456789012',
    },
    capAdd: ['NET_ADMIN'],
    ports: [ADMIN_PORT],
  });
}

// Members start together, so none gets a head start in the first election; all are tracked before any failure
// propagates, so teardown stops every one of them.
async function startMembers(run: ClusterRun, inside: Endpoints, opts: ClusterOptions): Promise<void> {
  const results = await Promise.allSettled(opts.members.map((m) => startMember(run, m, inside, opts)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

function hostUrl(run: ClusterRun, name: string, port: number): string {
  return `http://127.0.0.1:${run.started.get(name)!.getMappedPort(port)}`;
}

async function waitHealthy(adminUrl: string, member: string): Promise<void> {
  await waitFor(async () => (await fetch(`${adminUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok, {
    timeoutMs: HEALTHY_TIMEOUT_MS,
    what: `${member}'s admin endpoint`,
  });
}

async function teardown(run: ClusterRun): Promise<void> {
  await Promise.allSettled([...run.started.values()].map((container) => container.stop()));
  await removeRun(run.runId);
}

function allLogs(run: ClusterRun): string {
  return [...run.output].map(([name, output]) => `--- ${name} ---\n${output.toString()}`).join('\n');
}

function handle(run: ClusterRun, opts: ClusterOptions): Cluster {
  const containerOf = async (member: string): Promise<Dockerode.Container> => {
    const started = run.started.get(member);
    if (!started || !opts.members.some((m) => m.name === member)) throw new Error(`no member ${member}`);
    return (await dockerode()).getContainer(started.getId());
  };
  return {
    runId: run.runId,
    ssmUrl: hostUrl(run, 'ssm', SSM_PORT),
    ec2Url: hostUrl(run, 'ec2', EC2_PORT),
    adminUrls: Object.fromEntries(opts.members.map((m) => [m.name, hostUrl(run, m.name, ADMIN_PORT)])),
    kill: async (member) => {
      const container = await containerOf(member);
      await container.kill({ signal: 'SIGKILL' });
      await container.wait();
    },
    stop: async (member) => void (await (await containerOf(member)).stop({ t: 10 })),
    logs: (name) => run.output.get(name)?.toString() ?? '',
    cleanup: () => teardown(run),
  };
}

/**
 * Starts the network, the SSM and fake EC2 containers, then every member, and waits until each member's admin
 * endpoint answers. Everything carries the run label; on any failure what was made is removed and the error carries
 * every container's output.
 */
export async function createCluster(name: string, opts: ClusterOptions): Promise<Cluster> {
  const runId = newRunId(name);
  const prefix = `csgw-e2e-${runId}`;
  const run: ClusterRun = { runId, prefix, network: `${prefix}-net`, started: new Map(), output: new Map() };
  try {
    await createRunNetwork(run);
    const ssm = await startSsm(run);
    const ec2 = await startEc2(run, opts.ec2State);
    const inside = {
      ssm: `http://${ssm.getIpAddress(run.network)}:${SSM_PORT}`,
      ec2: `http://${ec2.getIpAddress(run.network)}:${EC2_PORT}`,
    };
    await startMembers(run, inside, opts);
    const cluster = handle(run, opts);
    await Promise.all(Object.entries(cluster.adminUrls).map(([member, url]) => waitHealthy(url, member)));
    return cluster;
  } catch (error) {
    await teardown(run);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`createCluster(${name}) failed (run ${runId}): ${message}\n${allLogs(run)}`, { cause: error });
  }
}
