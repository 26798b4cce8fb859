// The operator under test inside the topology's gateway, driven the way a user drives it: `csgw` (in-process) against
// the embedded SSM endpoint the gateway publishes on 127.0.0.1, and its status from the admin API (GET /status).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { findKind } from '../../crds-equivalent/index.js';
import { DEFAULT_PREFIX } from '../../runtime/config.js';
import { gatewayPaths, specPath } from '../../runtime/paths.js';
import type { ControllerStatus, InstanceStatus } from '../../runtime/status-types.js';
import { runCsgw } from '../../testing/cli-harness.js';
import { waitFor } from '../../testing/wait.js';
import type { Topology } from './topology.js';

export const OPERATOR_GATEWAY = 'e2e';
export const OPERATOR_INSTANCE = 'gw-1';

/** A manifest document as `csgw apply -f` reads it. */
export interface Manifest {
  kind: string;
  name: string;
  spec: Record<string, unknown>;
}

/**
 * `csgw run` for createTopology's gatewayCommand: embedded SSM on :4566, admin on :9464, and short poll, resync and
 * status intervals so a test sees changes within seconds.
 */
export function operatorCommand(extra: string[] = []): string[] {
  return [
    'run',
    '--imds',
    'off',
    '--gateway',
    OPERATOR_GATEWAY,
    '--instance-id',
    OPERATOR_INSTANCE,
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
    ...extra,
  ];
}

export class Operator {
  readonly endpoint: string;
  readonly adminUrl: string;
  private files = 0;

  private constructor(
    topology: Topology,
    private readonly workDir: string,
  ) {
    this.endpoint = `http://127.0.0.1:${topology.hostPorts[4566]}`;
    this.adminUrl = `http://127.0.0.1:${topology.hostPorts[9464]}`;
  }

  /** For a topology created with operatorCommand(): resolves once the admin endpoint answers /healthz. */
  static async connect(topology: Topology): Promise<Operator> {
    const operator = new Operator(topology, await mkdtemp(join(tmpdir(), 'csgw-e2e-')));
    await waitFor(
      async () => (await fetch(`${operator.adminUrl}/healthz`, { signal: AbortSignal.timeout(2_000) })).ok,
      { timeoutMs: 30_000, what: 'operator admin endpoint' },
    );
    return operator;
  }

  /** `csgw --endpoint-url <embedded SSM> --gateway e2e <args>`; throws with stderr unless it exits 0. */
  async csgw(args: string[]): Promise<string> {
    const run = await runCsgw(['--endpoint-url', this.endpoint, '--gateway', OPERATOR_GATEWAY, ...args], { env: {} });
    if (run.code !== 0) throw new Error(`csgw ${args.join(' ')} failed (${run.code}): ${run.stderr}`);
    return run.stdout;
  }

  /** Writes the documents to one manifest file, in order, for `-f` (csgw apply writes them in that order). */
  async manifestFile(docs: readonly Manifest[]): Promise<string> {
    this.files += 1;
    const file = join(this.workDir, `manifest-${this.files}.json`);
    await writeFile(file, JSON.stringify(docs));
    return file;
  }

  /** `csgw apply -f` of the documents, written to SSM in the order given. */
  async apply(...docs: Manifest[]): Promise<string> {
    return this.csgw(['apply', '-f', await this.manifestFile(docs)]);
  }

  /**
   * Writes a spec straight to SSM, as a user with the AWS CLI or Terraform would: nothing validates it on the way,
   * so this is how a test hands the operator a spec `csgw apply` would refuse.
   */
  async put(doc: Manifest): Promise<void> {
    const kind = findKind(doc.kind);
    if (!kind) throw new Error(`unknown kind ${doc.kind}`);
    const client = new SSMClient({
      endpoint: this.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'e2e', secretAccessKey: 'e2e' },
    });
    try {
      await client.send(
        new PutParameterCommand({
          Name: specPath(gatewayPaths(DEFAULT_PREFIX, OPERATOR_GATEWAY), kind, doc.name),
          Value: JSON.stringify(doc.spec),
          Type: kind.secret ? 'SecureString' : 'String',
          Overwrite: true,
        }),
      );
    } finally {
      client.destroy();
    }
  }

  /** `csgw delete -f --ignore-not-found` of these resources of one kind. */
  async delete(kind: string, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const file = await this.manifestFile(names.map((name) => ({ kind, name, spec: {} })));
    await this.csgw(['delete', '-f', file, '--ignore-not-found']);
  }

  /** This instance's status of one kind's controller, from the admin API. */
  async controller(kind: string): Promise<ControllerStatus | undefined> {
    const res = await fetch(`${this.adminUrl}/status`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`GET /status: ${res.status}`);
    return ((await res.json()) as InstanceStatus).controllers[kind];
  }

  /**
   * Waits until the kind's controller reports Ready=True and Progressing=False for `generation`, and `accept` (when
   * given) likes its status: the way to know a change the data path cannot show yet is in the kernel.
   */
  async waitForReady(
    kind: string,
    generation: number | undefined,
    opts: { accept?: (status: ControllerStatus) => boolean; timeoutMs?: number } = {},
  ): Promise<ControllerStatus> {
    const what = `${kind} Ready for generation ${generation ?? '(none)'}`;
    return waitFor(
      async () => {
        const status = await this.controller(kind);
        const settled = (type: string, value: string): boolean =>
          status?.conditions.some(
            (c) => c.type === type && c.status === value && c.observedGeneration === generation,
          ) ?? false;
        const ok = status && settled('Ready', 'True') && settled('Progressing', 'False');
        if (ok && (opts.accept?.(status) ?? true)) return status;
        // Thrown, so a timeout says what the status looked like last.
        throw new Error(`last status ${JSON.stringify(status)}`);
      },
      { timeoutMs: opts.timeoutMs ?? 30_000, what },
    );
  }

  async close(): Promise<void> {
    await rm(this.workDir, { recursive: true, force: true });
  }
}
