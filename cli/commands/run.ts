import type { Command } from 'commander';
import { createSsmLister } from '../../adapters/ssm-lister.js';
import { createSsmStatusWriter, type StatusTier } from '../../adapters/ssm-status-writer.js';
import { resolveSsmTarget, ssmTargetOnEc2, type SsmTarget } from '../../runtime/config.js';
import { identityFromOverrides } from '../../adapters/aws/imds.js';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { ChangeQueuePort } from '../../runtime/change-events/ports.js';
import { createLogger, type Logger } from '../../runtime/logger.js';
import { OperatorMetrics } from '../../runtime/metrics.js';
import { Operator, type OperatorConfig } from '../../runtime/operator.js';
import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import { openSsm, parseListen } from '../../composition/ssm-connection.js';
import { changeQueueName, openChangeQueue, WATCHER_TIMING } from '../../composition/change-queue.js';
import { OPERATOR_VERSION } from '../../runtime/version.js';
import { bootstrapDefaults } from '../../runtime/bootstrap.js';
import type { GatewayPaths } from '../../runtime/paths.js';
import { kinds } from '../../crds-equivalent/index.js';
import { CliError, currentPaths, waitForAbort, type CliContext } from '../context.js';
import { addHostOptions, checkHostOptions, hostControllers, type HostOptions } from '../host-options.js';
import { addClusterOptions, clusterSettings, instanceIdFor, resolveIdentity, type ClusterOptions } from '../cluster.js';
import { setUpCluster } from '../../composition/cluster.js';
import { storePorts, createStoreGuard, type StoreWiring } from '../../composition/store.js';
import { EventRecorder } from '../../runtime/event-recorder.js';
import { adoptStore } from '../../runtime/store-guard.js';
import { describeUnrecognized, recognize } from '../../runtime/store-identity.js';
import { positiveSeconds } from '../program.js';

interface RunOptions extends HostOptions, ClusterOptions {
  instanceId?: string;
  embeddedSsmListen?: string;
  adminListen: string;
  pollInterval: string;
  pushResyncInterval: string;
  changesQueue?: string;
  resyncInterval: string;
  statusInterval: string;
  bootstrapDefaults: boolean;
  adoptStore: boolean;
  statusTier: string;
  logLevel: string;
}

const RUN_HELP = `
The operator learns of changes to <prefix>/<gateway>/spec/ from SSM change events on an SQS queue (--changes-queue:
each event re-reads the changed kind at once) and lists the whole spec every --push-resync-interval as a safety net;
without the queue (none, missing, not permitted, failing) it lists every --poll-interval. It reconciles each controller's kernel and daemon
state toward it, publishes status to <prefix>/<gateway>/status/<instance-id>, and serves /healthz /readyz /status
/events /metrics on --admin-listen. Stopping the operator leaves the data plane as it is, so an upgrade or
restart never cuts traffic.

The store is recognised by its identity marker (<prefix>/<gateway>/spec/store-identity), remembered in --state-dir.
Against a store that is not the one remembered (wrong endpoint, prefix or region; emptied) nothing is removed:
adds and edits still apply, every controller reports Degraded SourceUnrecognized, until a person adopts the store
(csgw adopt, or --adopt-store). A store that does not answer for 3 list intervals (the one in force) plus --request-timeout is
stale: /readyz answers 503 and every controller reports SourceStale; the data plane is left as it is.`;

export function registerRun(program: Command, ctx: CliContext): void {
  const command = program
    .command('run')
    .description('run the operator: reconcile this host toward the desired state in SSM')
    .option(
      '--instance-id <id>',
      'this instance: status parameter name and lease holder; env CSGW_INSTANCE_ID, else the EC2 instance id, else the host name',
      ctx.env.CSGW_INSTANCE_ID,
    )
    .option('--embedded-ssm-listen <host:port>', 'serve the embedded SSM endpoint here (embedded mode only)')
    .option('--admin-listen <host:port|off>', 'admin HTTP listener', '127.0.0.1:9464')
    .option('--poll-interval <seconds>', 'how often to list desired state while change events do not flow', '10')
    .option('--push-resync-interval <seconds>', 'how often to list desired state while change events flow', '60')
    .option(
      '--changes-queue <name|url|none>',
      'SQS queue of SSM change events: default csgw-changes against a local (embedded or loopback) endpoint, else csgw-changes-<instance-id>; none: polling only',
    )
    .option('--resync-interval <seconds>', 'how often each controller re-observes to repair drift', '30')
    .option('--status-interval <seconds>', 'minimum time between status writes to SSM', '10')
    .option(
      '--bootstrap-defaults',
      'create the default resources (SourceNat enabled, SourceDestCheck disabled) when missing: the appliance image sets this; env CSGW_BOOTSTRAP_DEFAULTS=true',
      ctx.env.CSGW_BOOTSTRAP_DEFAULTS === 'true',
    )
    .option(
      '--adopt-store',
      'reconcile from the store now at this prefix, deletions included, even if it is not the one this instance remembers (logged and evented)',
      false,
    )
    .option(
      '--status-tier <Intelligent-Tiering|Standard|Advanced>',
      'SSM tier of the status parameter: its document is shortened to fit 8 KB (Intelligent-Tiering: free while under 4 KB; Advanced) or 4 KB (Standard)',
      'Intelligent-Tiering',
    )
    .option('--log-level <level>', 'pino log level', ctx.env.CSGW_LOG_LEVEL ?? 'info');
  addClusterOptions(addHostOptions(command, ctx), ctx)
    .addHelpText('after', RUN_HELP)
    .action(async (opts: RunOptions) => runOperator(ctx, opts));
}

async function runOperator(ctx: CliContext, opts: RunOptions): Promise<void> {
  checkHostOptions(opts);
  clusterSettings(ctx, opts);
  statusTier(opts.statusTier);
  const logger = createLogger(opts.logLevel);
  const identity = await resolveIdentity(ctx, opts.imds);
  if (typeof identity === 'string') logger.info({ reason: identity }, 'EC2 controllers stay inert');
  const instanceId = instanceIdFor(ctx, opts.instanceId, identity);
  const metrics = new OperatorMetrics();
  const target = ssmTarget(ctx, identity);
  const ssm = await openSsm(target, {
    timeouts: ctx.globals().timeouts,
    callCounter: metrics.ssmCalls,
    ...(opts.embeddedSsmListen ? { embeddedListen: opts.embeddedSsmListen } : {}),
  });
  logger.info(
    { ssm: { mode: target.mode, region: target.region, endpoint: ssm.endpoint, servesEmbedded: ssm.servesEmbedded } },
    'SSM connected',
  );
  const queueName = changeQueueName(opts.changesQueue, target, instanceId);
  const changes = queueName ? openChangeQueue(queueName, target, ssm.endpoint, ctx.globals().timeouts) : undefined;
  logger.info({ changesQueue: queueName ?? 'none' }, 'change events');
  try {
    await serve(ctx, opts, { ssm: ssm.client, identity, instanceId, logger, metrics, changes: changes?.queue });
  } finally {
    changes?.close();
    // Also after a start-up error: a served embedded endpoint would otherwise keep the process alive.
    await ssm.close();
  }
}

interface ServeDeps {
  ssm: SSMClient;
  identity: InstanceIdentity | string;
  instanceId: string;
  logger: Logger;
  metrics: OperatorMetrics;
  changes?: ChangeQueuePort;
}

async function serve(ctx: CliContext, opts: RunOptions, deps: ServeDeps): Promise<void> {
  const { ssm, logger, instanceId } = deps;
  const paths = currentPaths(ctx);
  const clock = (): Date => new Date();
  const events = new EventRecorder(instanceId, clock);
  const store: StoreWiring = { ssm, paths, stateDir: opts.stateDir, instanceId, clock };
  if (opts.adoptStore) await adoptOnStart(store, events, logger);
  if (opts.bootstrapDefaults) await bootstrap(store, logger);
  const cluster = setUpCluster(clusterSettings(ctx, opts), deps.identity, {
    ssm,
    paths,
    holder: instanceId,
    events,
    logger,
  });
  const operator = new Operator(operatorConfig(ctx, opts, paths, instanceId), {
    controllers: hostControllers(opts, cluster.aws, (program) => deps.metrics.processSpawns.inc({ program })),
    list: createSsmLister(ssm),
    guard: createStoreGuard(store),
    writeStatus: createSsmStatusWriter(ssm, statusTier(opts.statusTier)),
    logger,
    metrics: deps.metrics,
    clock,
    leases: cluster.leases,
    events,
    ...(deps.changes ? { changes: deps.changes } : {}),
  });
  const adminUrl = await operator.start();
  cluster.start();
  logger.info({ adminUrl, gateway: ctx.globals().gateway, instanceId }, 'operator running');
  await waitForAbort(ctx.shutdownSignal());
  logger.info('stopping: kernel state is left as it is; supervised daemons stop unless --keep-daemons');
  // Controllers stop before the leases are released, so no write of ours can follow the release; status and events
  // still flow, so the release is reported and the last status document says the lease is no longer held.
  operator.stopControllers();
  await cluster.stop();
  await operator.stop();
}

/** --adopt-store: a person's decision, so it is logged and evented like `csgw adopt`. */
async function adoptOnStart(store: StoreWiring, events: EventRecorder, logger: Logger): Promise<void> {
  const adopted = await adoptStore(
    storePorts(store),
    store.paths.root,
    'csgw run --adopt-store',
    AbortSignal.timeout(60_000),
  );
  const message = `adopted store ${adopted.storeId} at ${store.paths.root}${adopted.previous ? ` (was ${adopted.previous})` : ''}: resources it lacks are removed from now on`;
  logger.warn({ adopted }, message);
  events.record({
    type: 'Warning',
    reason: 'StoreAdopted',
    message,
    object: { kind: 'DesiredStateSource', name: store.paths.specRoot },
  });
}

/** Creates the default resources, but never in a store this instance does not recognise: that is not its gateway. */
async function bootstrap(store: StoreWiring, logger: Logger): Promise<void> {
  const ports = storePorts(store);
  const signal = AbortSignal.timeout(60_000);
  const recognition = recognize(await ports.readMarker(signal), await ports.memory.readIdentity());
  if (recognition.state === 'unrecognized')
    return void logger.warn(
      { reason: 'SourceUnrecognized' },
      `--bootstrap-defaults skipped: ${describeUnrecognized(recognition, store.paths.root)}`,
    );
  for (const r of await bootstrapDefaults(store.ssm, store.paths, kinds))
    logger.info({ bootstrap: r }, r.created ? `created default ${r.kind}/${r.name}` : `${r.kind}/${r.name} exists`);
}

function statusTier(value: string): StatusTier {
  if (value === 'Intelligent-Tiering' || value === 'Standard' || value === 'Advanced') return value;
  throw new CliError(`--status-tier must be Intelligent-Tiering, Standard or Advanced, got "${value}"`);
}

/** Where SSM is, as for every command; on EC2 with nothing configured, the instance's region. */
function ssmTarget(ctx: CliContext, identity: InstanceIdentity | string): SsmTarget {
  const target = resolveSsmTarget(ctx.globals(), ctx.env);
  const fromImds = typeof identity !== 'string' && identityFromOverrides(ctx.env) === undefined;
  return fromImds ? ssmTargetOnEc2(target, identity.region) : target;
}

function operatorConfig(ctx: CliContext, opts: RunOptions, paths: GatewayPaths, instanceId: string): OperatorConfig {
  const pollIntervalMs = positiveSeconds(opts.pollInterval, '--poll-interval');
  const pushIntervalMs = positiveSeconds(opts.pushResyncInterval, '--push-resync-interval');
  // Stale after 3 missed lists plus one request's deadline; with push, after one missed list and the two retries
  // that follow it at the fallback interval (60 s + 2 x 10 s + the deadline, not 3 minutes).
  const requestMs = ctx.globals().timeouts.requestMs;
  const staleAfter = (intervalMs: number): number => 3 * intervalMs + requestMs;
  return {
    paths,
    instanceId,
    operatorVersion: OPERATOR_VERSION,
    pollIntervalMs,
    staleAfterMs: staleAfter(pollIntervalMs),
    push: {
      pollIntervalMs: pushIntervalMs,
      staleAfterMs: pushIntervalMs + 2 * pollIntervalMs + requestMs,
      watcher: WATCHER_TIMING,
    },
    timing: {
      resyncMs: positiveSeconds(opts.resyncInterval, '--resync-interval'),
      backoffBaseMs: 1_000,
      backoffMaxMs: 60_000,
      inertRetryMs: 60_000,
      stageTimeoutMs: 120_000,
    },
    statusMinIntervalMs: positiveSeconds(opts.statusInterval, '--status-interval'),
    ...(opts.adminListen === 'off' ? {} : { admin: parseListen(opts.adminListen) }),
  };
}
