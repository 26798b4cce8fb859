import { DeleteParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import type { KindDefinition } from '../../crds-equivalent/index.js';
import { specPath, type GatewayPaths } from '../../runtime/paths.js';
import { collect, loadValidResources, requireKind } from '../command-helpers.js';
import { CliError, currentPaths, isAwsError, withSsm, type CliContext } from '../context.js';
import { notFoundMessage } from '../resources.js';

interface DeleteOptions {
  filename: string[];
  ignoreNotFound?: boolean;
}

interface Target {
  kind: KindDefinition;
  name: string;
}

const HELP = `
Examples:
  csgw delete sourcenat default
  csgw delete -f manifests/ --ignore-not-found

With -f only each document's kind and name matter; its spec is not validated.`;

export function registerDelete(program: Command, ctx: CliContext): void {
  program
    .command('delete')
    .description('delete resources by kind and name, or those named in manifest files')
    .argument('[kind]', 'kind name, plural or alias')
    .argument('[name]', 'resource name')
    .option('-f, --filename <path>', 'delete the resources these manifests name (repeatable)', collect, [])
    .option('--ignore-not-found', 'succeed when a resource does not exist')
    .addHelpText('after', HELP)
    .action(async (kind: string | undefined, name: string | undefined, opts: DeleteOptions) => {
      const targets = await resolveTargets(ctx, kind, name, opts.filename);
      await deleteAll(ctx, targets, opts.ignoreNotFound === true);
    });
}

async function resolveTargets(
  ctx: CliContext,
  kind: string | undefined,
  name: string | undefined,
  files: string[],
): Promise<Target[]> {
  if (files.length > 0) {
    if (kind !== undefined) throw new CliError('give either KIND NAME or -f, not both');
    return loadValidResources(ctx, files, false);
  }
  if (kind === undefined || name === undefined)
    throw new CliError('give KIND NAME, or -f FILE|DIR (see csgw delete --help)');
  return [{ kind: requireKind(kind), name }];
}

/** Deletes every target, reporting each missing one; fails at the end if any was missing (unless ignored). */
async function deleteAll(ctx: CliContext, targets: readonly Target[], ignoreNotFound: boolean): Promise<void> {
  const paths = currentPaths(ctx);
  const missing = await withSsm(ctx, async (client) => {
    let notFound = 0;
    for (const t of targets) {
      if (await deleteOne(client, paths, t)) {
        ctx.stdout.write(`${t.kind.kind.toLowerCase()} "${t.name}" deleted\n`);
      } else if (!ignoreNotFound) {
        notFound += 1;
        if (targets.length > 1) ctx.stderr.write(`Error: ${notFoundMessage(t.kind, t.name)}\n`);
      }
    }
    return notFound;
  });
  if (missing === 0) return;
  const only = targets[0];
  if (targets.length === 1 && only) throw new CliError(notFoundMessage(only.kind, only.name));
  throw new CliError(`${missing} of ${targets.length} resources not found`);
}

/** True when deleted, false when it did not exist. */
async function deleteOne(client: SSMClient, paths: GatewayPaths, t: Target): Promise<boolean> {
  try {
    await client.send(new DeleteParameterCommand({ Name: specPath(paths, t.kind, t.name) }));
    return true;
  } catch (err) {
    if (isAwsError(err, 'ParameterNotFound')) return false;
    throw err;
  }
}
