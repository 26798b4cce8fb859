import type { Command } from 'commander';
import { createSsmLister } from '../../adapters/ssm-lister.js';
import { createSsmStatusWriter } from '../../adapters/ssm-status-writer.js';
import { defaultInstanceId, resolveSsmTarget } from '../../runtime/config.js';
import { createLogger } from '../../runtime/logger.js';
import { OperatorMetrics } from '../../runtime/metrics.js';
import { Operator } from '../../runtime/operator.js';
import { openSsm, parseListen } from '../../runtime/ssm-connection.js';
import { OPERATOR_VERSION } from '../../runtime/version.js';
import { bootstrapDefaults } from '../../runtime/bootstrap.js';
import { isValidResourceName } from '../../runtime/paths.js';
import { kinds } from '../../crds-equivalent/index.js';
import { CliError, currentPaths, waitForAbort, type CliContext } from '../context.js';
import { addHostOptions, hostControllers, type HostOptions } from '../host-options.js';

interface RunOptions extends HostOptions {
  instanceId: string;
  embeddedSsmListen?: string;
  adminListen: string;
  pollInterval: string;
  resyncInterval: string;
  statusInterval: string;
  bootstrapDefaults: boolean;
  logLevel: string;
}

const RUN_HELP = `
The operator lists <prefix>/<gateway>/spec/ every --poll-interval, reconciles each controller's kernel and daemon
state toward it, publishes status to <prefix>/<gateway>/status/<instance-id>, and serves /healthz /readyz /status
/events /metrics on --admin-listen. Stopping the operator leaves the data plane as it is, so an upgrade or
restart never cuts traffic.`;

export function registerRun(program: Command, ctx: CliContext): void {
  const command = program
    .command('run')
    .description('run the operator: reconcile this host toward the desired state in SSM')
    .option(
      '--instance-id <id>',
      'this instance (status parameter name); env CSGW_INSTANCE_ID',
      defaultInstanceId(ctx.env),
    )
    .option('--embedded-ssm-listen <host:port>', 'serve the embedded SSM endpoint here (embedded mode only)')
    .option('--admin-listen <host:port|off>', 'admin HTTP listener', '127.0.0.1:9464')
    .option('--poll-interval <seconds>', 'how often to list desired state', '10')
    .option('--resync-interval <seconds>', 'how often each controller re-observes to repair drift', '30')
    .option('--status-interval <seconds>', 'minimum time between status writes to SSM', '10')
    .option(
      '--bootstrap-defaults',
      'create the default resources (SourceNat enabled) when missing: the appliance image sets this; env CSGW_BOOTSTRAP_DEFAULTS=true',
      ctx.env.CSGW_BOOTSTRAP_DEFAULTS === 'true',
    )
    .option('--log-level <level>', 'pino log level', ctx.env.CSGW_LOG_LEVEL ?? 'info');
  addHostOptions(command, ctx)
    .addHelpText('after', RUN_HELP)
    .action(async (opts: RunOptions) => runOperator(ctx, opts));
}

async function runOperator(ctx: CliContext, opts: RunOptions): Promise<void> {
  const controllers = hostControllers(opts);
  if (!isValidResourceName(opts.instanceId))
    throw new CliError(`--instance-id "${opts.instanceId}": use letters, digits, _ . - (it names an SSM parameter)`);
  const logger = createLogger(opts.logLevel);
  const metrics = new OperatorMetrics();
  const target = resolveSsmTarget(ctx.globals(), ctx.env);
  const ssm = await openSsm(target, {
    callCounter: metrics.ssmCalls,
    ...(opts.embeddedSsmListen ? { embeddedListen: opts.embeddedSsmListen } : {}),
  });
  logger.info(
    { ssm: { mode: target.mode, endpoint: ssm.endpoint, servesEmbedded: ssm.servesEmbedded } },
    'SSM connected',
  );
  if (opts.bootstrapDefaults) {
    for (const r of await bootstrapDefaults(ssm.client, currentPaths(ctx), kinds))
      logger.info({ bootstrap: r }, r.created ? `created default ${r.kind}/${r.name}` : `${r.kind}/${r.name} exists`);
  }
  const operator = new Operator(
    {
      paths: currentPaths(ctx),
      instanceId: opts.instanceId,
      operatorVersion: OPERATOR_VERSION,
      pollIntervalMs: seconds(opts.pollInterval, '--poll-interval'),
      timing: {
        resyncMs: seconds(opts.resyncInterval, '--resync-interval'),
        backoffBaseMs: 1_000,
        backoffMaxMs: 60_000,
        inertRetryMs: 60_000,
        stageTimeoutMs: 120_000,
      },
      statusMinIntervalMs: seconds(opts.statusInterval, '--status-interval'),
      ...(opts.adminListen === 'off' ? {} : { admin: parseListen(opts.adminListen) }),
    },
    {
      controllers,
      list: createSsmLister(ssm.client),
      writeStatus: createSsmStatusWriter(ssm.client),
      logger,
      metrics,
      clock: () => new Date(),
    },
  );
  const adminUrl = await operator.start();
  logger.info({ adminUrl, gateway: ctx.globals().gateway, instanceId: opts.instanceId }, 'operator running');
  await waitForAbort(ctx.shutdownSignal());
  logger.info('stopping: the data plane is left as it is');
  await operator.stop();
  await ssm.close();
}

function seconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number of seconds, got "${value}"`);
  return Math.round(n * 1000);
}
