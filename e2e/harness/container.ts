// The topology's hosts, started with testcontainers' GenericContainer. The
// subclass adds the few HostConfig settings GenericContainer has no builder
// for (--init, sysctls, read-only paths, ports on 127.0.0.1 only) and attaches
// extra networks in its containerCreated hook, i.e. before the container
// starts, so every NIC exists when PID 1 starts.
import type { Readable } from 'node:stream';
import { GenericContainer, getContainerRuntimeClient, StartupCheckStrategy, Wait } from 'testcontainers';
import type { StartedTestContainer, StartupStatus } from 'testcontainers';
import type Dockerode from 'dockerode';
import type { PortMap } from 'dockerode';
import { RUN_LABEL } from './docker.js';

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** stdout+stderr of a container from its start on; kept after it is removed. */
export class ContainerOutput {
  private text = '';
  private attached = false;

  readonly consume = (stream: Readable): void => {
    this.attached = true;
    stream.on('data', (chunk: string | Buffer) => {
      this.text += chunk.toString();
    });
    stream.on('error', () => undefined); // the container went away: keep what we have
  };

  get isAttached(): boolean {
    return this.attached;
  }

  /** Consumes a log stream that should end (an exited container's), waiting at most timeoutMs. */
  async drain(stream: Readable, timeoutMs: number): Promise<void> {
    this.consume(stream);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      stream.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    stream.destroy();
  }

  toString(): string {
    return this.text;
  }
}

export interface HostSpec {
  name: string;
  image: string;
  runId: string;
  /** First network (NetworkMode); extraNetworks are attached before start. */
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
  /** Files written into the container before it starts (e.g. a state file its command reads). */
  files?: { content: string; target: string }[];
  /** sh command that must succeed inside before start resolves; default: the container runs. */
  readyCommand?: string;
  output: ContainerOutput;
}

const READY_TIMEOUT_MS = 15_000;

class HostContainer extends GenericContainer {
  private extraNetworks: string[] = [];
  private containerId: string | undefined;
  private output = new ContainerOutput();

  /** withLogConsumer that also covers a container that exited before it was attached. */
  withOutput(output: ContainerOutput): this {
    this.output = output;
    return this.withLogConsumer(output.consume);
  }

  // GenericContainer attaches the log consumer only once the published ports
  // are bound: a container that exits at once fails start() before that, so
  // read its logs here (it still exists: testcontainers removes only
  // containers that failed their wait strategy, after attaching the consumer).
  override async start(): Promise<StartedTestContainer> {
    try {
      return await super.start();
    } catch (error) {
      if (this.containerId && !this.output.isAttached) {
        await this.salvageOutput(this.containerId).catch(() => undefined);
      }
      throw error;
    }
  }

  private async salvageOutput(containerId: string): Promise<void> {
    const client = await getContainerRuntimeClient();
    await this.output.drain(await client.container.logs(client.container.getById(containerId)), 2_000);
  }

  withInit(): this {
    this.hostConfig.Init = true;
    return this;
  }

  withSysctls(sysctls: Record<string, string>): this {
    this.hostConfig.Sysctls = { ...this.hostConfig.Sysctls, ...sysctls };
    return this;
  }

  withReadonlyPaths(paths: string[]): this {
    this.hostConfig.ReadonlyPaths = paths;
    return this;
  }

  /** withExposedPorts, but bound to 127.0.0.1 instead of every host address. */
  withLoopbackPorts(ports: number[]): this {
    this.withExposedPorts(...ports);
    const bindings: PortMap = { ...(this.hostConfig.PortBindings as PortMap | undefined) };
    for (const port of ports) bindings[`${port}/tcp`] = [{ HostIp: '127.0.0.1', HostPort: '0' }];
    this.hostConfig.PortBindings = bindings;
    return this;
  }

  withExtraNetworks(names: string[]): this {
    this.extraNetworks.push(...names);
    return this;
  }

  protected override async containerCreated(containerId: string): Promise<void> {
    this.containerId = containerId;
    const client = await getContainerRuntimeClient();
    const container = client.container.getById(containerId);
    for (const name of this.extraNetworks) {
      await client.container.connectToNetwork(container, client.network.getById(name), []);
    }
  }
}

/** Ready as soon as the container runs (the default waits for listening ports). */
class ContainerRunning extends StartupCheckStrategy {
  override async checkStartupState(docker: Dockerode, containerId: string): Promise<StartupStatus> {
    const { State } = await docker.getContainer(containerId).inspect();
    if (State.Running) return 'SUCCESS';
    return State.Status === 'created' ? 'PENDING' : 'FAIL';
  }
}

/** Starts (and on a failed readiness check, removes) one host. */
export function startHost(spec: HostSpec): Promise<StartedTestContainer> {
  const container = new HostContainer(spec.image)
    .withName(spec.name)
    .withLabels({ [RUN_LABEL]: spec.runId })
    .withNetworkMode(spec.network)
    .withExtraNetworks(spec.extraNetworks ?? [])
    .withInit()
    .withAddedCapabilities(...(spec.capAdd ?? []))
    .withSysctls(spec.sysctls ?? {})
    .withEnvironment(spec.env ?? {})
    .withLoopbackPorts(spec.ports ?? [])
    .withOutput(spec.output)
    .withWaitStrategy(spec.readyCommand ? Wait.forSuccessfulCommand(spec.readyCommand) : new ContainerRunning())
    .withStartupTimeout(READY_TIMEOUT_MS);
  if (spec.entrypoint) container.withEntrypoint(spec.entrypoint);
  if (spec.cmd) container.withCommand(spec.cmd);
  if (spec.readonlyPaths) container.withReadonlyPaths(spec.readonlyPaths);
  if (spec.files) container.withCopyContentToContainer(spec.files);
  return container.start();
}

/** Runs argv (no shell) in the container and waits for it to finish. */
export async function execIn(container: StartedTestContainer, argv: string[]): Promise<ExecResult> {
  const { exitCode, stdout, stderr } = await container.exec(argv);
  return { exitCode, stdout, stderr };
}
