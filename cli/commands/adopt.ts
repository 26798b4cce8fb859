import type { Command } from 'commander';
import { storePorts } from '../../composition/store.js';
import { adoptStore } from '../../runtime/store-guard.js';
import { instanceIdFor, resolveIdentity } from '../cluster.js';
import { currentPaths, withSsm, type CliContext } from '../context.js';
import { DEFAULT_STATE_DIR } from '../host-options.js';

const HELP = `
An operator that finds a store it does not remember (another endpoint, prefix or region; a store emptied or
recreated) removes nothing from the data plane: it keeps what the remembered store held and reports Degraded
SourceUnrecognized. Adopting tells this instance that the store now at <prefix>/<gateway> is the right one: its
identity marker (created when it has none) becomes the remembered identity, and the running operator converges on
it at its next poll, removing what the store lacks. Run it on the instance, with the same --state-dir and
--instance-id as csgw run.`;

interface AdoptOptions {
  stateDir: string;
  instanceId?: string;
  imds: string;
}

export function registerAdopt(program: Command, ctx: CliContext): void {
  program
    .command('adopt')
    .description('reconcile this instance from the store now at the prefix, deletions included')
    .option('--state-dir <path>', 'as for csgw run; env CSGW_STATE_DIR', ctx.env.CSGW_STATE_DIR ?? DEFAULT_STATE_DIR)
    .option('--instance-id <id>', 'as for csgw run; env CSGW_INSTANCE_ID', ctx.env.CSGW_INSTANCE_ID)
    .option('--imds <url|off>', 'as for csgw run; env CSGW_IMDS', ctx.env.CSGW_IMDS ?? 'http://169.254.169.254')
    .addHelpText('after', HELP)
    .action(async (opts: AdoptOptions) => adopt(ctx, opts));
}

async function adopt(ctx: CliContext, opts: AdoptOptions): Promise<void> {
  const instanceId = instanceIdFor(ctx, opts.instanceId, await resolveIdentity(ctx, opts.imds));
  const paths = currentPaths(ctx);
  await withSsm(ctx, async (ssm) => {
    const ports = storePorts({ ssm, paths, stateDir: opts.stateDir, instanceId, clock: () => new Date() });
    const r = await adoptStore(
      ports,
      paths.root,
      `csgw adopt by ${ctx.env.USER ?? 'unknown'}`,
      AbortSignal.timeout(60_000),
    );
    const was =
      r.previous === undefined
        ? 'nothing remembered before'
        : r.previous === r.storeId
          ? 'already remembered'
          : `was ${r.previous}`;
    ctx.stdout.write(
      `instance ${instanceId} adopted store ${r.storeId}${r.created ? ' (marker created)' : ''} at ${paths.root} (${was})\n`,
    );
  });
}
