import type { Command } from 'commander';
import { createSsmLister } from '../../adapters/ssm-lister.js';
import type { AnyController, KindSnapshot } from '../../runtime/controller.js';
import { snapshotFor } from '../../runtime/snapshots.js';
import { SnapshotDiffer } from '../../runtime/desired-source.js';
import { kinds } from '../../crds-equivalent/index.js';
import { CliError, currentPaths, withSsm, type CliContext } from '../context.js';
import { addHostOptions, checkHostOptions, hostControllers, type HostOptions } from '../host-options.js';
import { addClusterOptions, clusterSettings, instanceIdFor, resolveIdentity, type ClusterOptions } from '../cluster.js';
import { setUpCluster } from '../../composition/cluster.js';
import { EventRecorder } from '../../runtime/event-recorder.js';
import { createLogger } from '../../runtime/logger.js';
import type { SSMClient } from '@aws-sdk/client-ssm';
import { createSsmLeaseStore } from '../../adapters/ssm-lease-store.js';
import { effectiveHolder } from '../../runtime/lease/record.js';
import { leasePath, type GatewayPaths } from '../../runtime/paths.js';
import { createStoreMemory } from '../../adapters/store-memory.js';
import { previewAdmission } from '../../runtime/store-guard.js';

const HELP = `
Runs each controller's decode -> probe -> observe -> plan against this host without applying anything, and prints
the actions the next reconcile would take. Exit code: 0 when converged, 1 when changes are pending, 2 on errors
(invalid spec, missing kernel feature or EC2 identity for a kind that has a resource). Takes the same host and
EC2 options as csgw run, so it plans exactly what the operator on this host would; it never takes a lease. A
cluster- or AZ-scoped kind whose lease another instance holds shows as standby: that instance reconciles it.`;

type DiffOptions = HostOptions & ClusterOptions;

export function registerDiff(program: Command, ctx: CliContext): void {
  const command = program
    .command('diff')
    .description('show what the next reconcile on this host would change, without changing it');
  addClusterOptions(addHostOptions(command, ctx), ctx)
    .addHelpText('after', HELP)
    .action(async (opts: DiffOptions) => {
      checkHostOptions(opts);
      const identity = await resolveIdentity(ctx, opts.imds);
      const worst = await withSsm(ctx, async (client) => {
        const paths = currentPaths(ctx);
        // The electors are built but never started: diff takes no lease and writes nothing.
        const holder = instanceIdFor(ctx, ctx.env.CSGW_INSTANCE_ID, identity);
        const cluster = setUpCluster(clusterSettings(ctx, opts), identity, {
          ssm: client,
          paths,
          holder,
          events: new EventRecorder('csgw-diff', () => new Date()),
          logger: createLogger('silent'),
        });
        const listed = await createSsmLister(client)(paths.specRoot, AbortSignal.timeout(60_000));
        // As the operator's store guard would admit it: against an unrecognised store nothing remembered goes.
        const admitted = await previewAdmission(paths, listed, createStoreMemory(opts.stateDir, holder, paths.root));
        if (admitted.unrecognized)
          ctx.stdout.write(`store not recognised (SourceUnrecognized): ${admitted.unrecognized}\n`);
        const parameters = admitted.parameters;
        const snapshots = new Map(new SnapshotDiffer(paths, kinds).changed(parameters).map((s) => [s.kind, s]));
        const leaseHolder = leaseHolders(client, paths);
        let worst = 0;
        for (const controller of hostControllers(opts, cluster.aws)) {
          const snapshot = snapshotFor(controller, snapshots) ?? { kind: controller.kind.kind, resources: [] };
          const scope = controller.lease?.scope;
          const other = scope === undefined ? '' : await leaseHolder(scope);
          if (other && other !== holder) {
            ctx.stdout.write(`${controller.kind.kind}: standby (the ${scope} lease is held by ${other})\n`);
            continue;
          }
          worst = Math.max(worst, await diffOne(ctx, controller, snapshot));
        }
        return worst;
      });
      if (worst > 0) throw new CliError(worst === 1 ? 'changes pending' : 'some controllers cannot reconcile', worst);
    });
}

/** Who holds a scope, per the latest effective record ('' when nobody does): only the holder reconciles it. */
function leaseHolders(client: SSMClient, paths: GatewayPaths): (scope: string) => Promise<string> {
  const store = createSsmLeaseStore(client);
  return async (scope) => {
    const latest = await store.read(leasePath(paths, scope), AbortSignal.timeout(10_000));
    return effectiveHolder(latest)?.holder ?? '';
  };
}

/** Prints one controller's pending actions; returns 0 converged, 1 changes pending, 2 cannot reconcile. */
async function diffOne(ctx: CliContext, controller: AnyController, snapshot: KindSnapshot): Promise<number> {
  const out = (line: string): void => void ctx.stdout.write(`${controller.kind.kind}: ${line}\n`);
  const decoded = controller.decode(snapshot);
  for (const ignored of decoded.ok ? decoded.ignored : []) out(`ignored ${ignored.name}: ${ignored.reason}`);
  if (!decoded.ok) {
    decoded.errors.forEach((e) => out(`InvalidSpec ${decoded.name} generation ${decoded.generation}: ${e}`));
    return 2;
  }
  const signal = AbortSignal.timeout(60_000);
  const probe = await controller.probe(signal);
  if (!probe.ok && !decoded.desired.name) {
    // Nothing is asked of this kind: that this host could not do it is no reason to fail.
    out(`converged (no resource; ${probe.reason}: ${probe.message})`);
    return 0;
  }
  if (!probe.ok) {
    out(`${probe.reason}: ${probe.message}`);
    return 2;
  }
  try {
    const actions = controller.plan(
      decoded.desired,
      await controller.observe(signal, { full: true, desired: decoded.desired }),
    );
    if (actions.length === 0) out(`converged (${describeDesired(decoded.desired)})`);
    actions.forEach((a) => out(`would ${controller.describe(a)}`));
    return actions.length === 0 ? 0 : 1;
  } catch (err) {
    out(`cannot plan: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}

function describeDesired(desired: { name?: string; generation?: number }): string {
  return desired.name ? `${desired.name} generation ${desired.generation ?? '?'}` : 'no resource';
}
