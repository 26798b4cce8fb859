import { Command, CommanderError } from 'commander';
import { ConfigError, DEFAULT_PREFIX, defaultDataDir, type GlobalOptions } from '../runtime/config.js';
import { registerAdopt } from './commands/adopt.js';
import { registerAi } from './commands/ai.js';
import { registerApply } from './commands/apply.js';
import { registerDelete } from './commands/delete.js';
import { registerDiff } from './commands/diff.js';
import { registerEvents } from './commands/events.js';
import { registerExplain } from './commands/explain.js';
import { registerGet } from './commands/get.js';
import { registerIam } from './commands/iam.js';
import { registerLeases } from './commands/leases.js';
import { registerRun } from './commands/run.js';
import { registerSsm } from './commands/ssm.js';
import { registerStatus } from './commands/status.js';
import { CliError, errorMessage, type CliContext, type CliIo } from './context.js';

const ROOT_HELP = `
Desired state lives in SSM Parameter Store, one JSON spec per resource:
  <prefix>/<gateway>/spec/<kind plural>/<name>   (its SSM Version is its generation)

Where SSM is, as the AWS CLI decides it: --endpoint-url / AWS_ENDPOINT_URL_SSM / AWS_ENDPOINT_URL, else real AWS
when --region, AWS_REGION, AWS_DEFAULT_REGION or AWS_PROFILE is set, else the embedded SSM endpoint kept in
--data-dir (started on demand, or run it yourself with \`csgw ssm serve\`).

Examples:
  csgw apply -f sourcenat.yaml
  csgw get sourcenat
  csgw status
  csgw events -w`;

/** Builds the `csgw` program; commands read the parsed globals through ctx.globals(). */
export function buildProgram(io: CliIo): Command {
  const program = new Command('csgw');
  const ctx: CliContext = { ...io, globals: () => readGlobals(program, io) };
  program
    .description('Cloud Spectra Gateway: manage gateway resources stored in AWS SSM Parameter Store')
    .option(
      '--endpoint-url <url>',
      'SSM endpoint URL (like the AWS CLI option); env AWS_ENDPOINT_URL_SSM, AWS_ENDPOINT_URL',
    )
    .option('--region <region>', 'AWS region; env AWS_REGION, AWS_DEFAULT_REGION')
    .option(
      '--prefix <prefix>',
      'SSM path prefix of all gateways; env CSGW_PREFIX',
      io.env.CSGW_PREFIX ?? DEFAULT_PREFIX,
    )
    .option('--gateway <name>', 'gateway whose resources to manage; env CSGW_GATEWAY', io.env.CSGW_GATEWAY ?? 'default')
    .option('--data-dir <dir>', 'state of the embedded SSM endpoint; env CSGW_DATA_DIR', defaultDataDir(io.env))
    .option(
      '--connect-timeout <seconds>',
      'deadline to connect to AWS (SSM, EC2, STS); env CSGW_CONNECT_TIMEOUT',
      io.env.CSGW_CONNECT_TIMEOUT ?? '3',
    )
    .option(
      '--request-timeout <seconds>',
      'deadline of one AWS request (silence past it fails the attempt); env CSGW_REQUEST_TIMEOUT',
      io.env.CSGW_REQUEST_TIMEOUT ?? '10',
    )
    .addHelpText('after', ROOT_HELP)
    .showHelpAfterError('(add --help for usage)')
    // Set before registering so every subcommand inherits them (command() copies inherited settings).
    .exitOverride()
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    });
  const registrations = [
    registerApply,
    registerGet,
    registerDelete,
    registerDiff,
    registerStatus,
    registerEvents,
    registerExplain,
    registerLeases,
    registerRun,
    registerAdopt,
    registerSsm,
    registerIam,
    registerAi,
  ];
  for (const register of registrations) register(program, ctx);
  return program;
}

/** Runs csgw with argv (without node and script), returning the exit code instead of exiting. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    return reportError(err, io);
  }
}

function reportError(err: unknown, io: CliIo): number {
  // Commander has already printed its own message (usage errors, help, version).
  if (err instanceof CommanderError) return err.exitCode;
  if (err instanceof CliError || err instanceof ConfigError) {
    io.stderr.write(`Error: ${err.message}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
  io.stderr.write(`Error: ${errorMessage(err)}\n`);
  return 1;
}

interface RawGlobals {
  endpointUrl?: string;
  region?: string;
  prefix: string;
  gateway: string;
  dataDir: string;
  connectTimeout: string;
  requestTimeout: string;
}

function readGlobals(program: Command, io: CliIo): GlobalOptions {
  const o = program.opts<RawGlobals>();
  return {
    endpointUrl: o.endpointUrl,
    region: o.region,
    prefix: o.prefix,
    gateway: o.gateway,
    dataDir: o.dataDir,
    dataDirExplicit: program.getOptionValueSource('dataDir') === 'cli' || io.env.CSGW_DATA_DIR !== undefined,
    timeouts: {
      connectMs: positiveSeconds(o.connectTimeout, '--connect-timeout'),
      requestMs: positiveSeconds(o.requestTimeout, '--request-timeout'),
    },
  };
}

export function positiveSeconds(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag} must be a positive number of seconds, got "${value}"`);
  return Math.round(n * 1000);
}
