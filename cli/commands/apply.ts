import { GetParametersByPathCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmMarkerCreator } from '../../adapters/ssm-store-marker.js';
import type { Command } from 'commander';
import { specPath, storeMarkerPath, type GatewayPaths } from '../../runtime/paths.js';
import { collect, loadValidResources } from '../command-helpers.js';
import { currentPaths, withSsm, type CliContext } from '../context.js';
import type { ResourceManifest } from '../resource-document.js';
import { getStoredResource, objectRef } from '../resources.js';

const HELP = `
A manifest document is {kind, name, spec} (k8s-style metadata.name is accepted too). YAML files may hold several
documents separated by ---; a directory contributes its *.yaml, *.yml and *.json files in name order.

Every document is validated first; if any is invalid nothing is written. A resource whose stored spec is already
identical is left alone, so its generation (SSM version) only rises when the spec changes.

Example:
  kind: SourceNat
  name: default
  spec:
    enable: true
    sourceCidrs: [10.0.0.0/16]
    egressInterface: eth0`;

interface ApplyOptions {
  filename: string[];
  dryRun?: boolean;
}

export function registerApply(program: Command, ctx: CliContext): void {
  program
    .command('apply')
    .description('create or update resources from manifest files')
    .requiredOption('-f, --filename <path>', 'manifest file or directory (repeatable)', collect, [])
    .option('--dry-run', 'validate the manifests and write nothing')
    .addHelpText('after', HELP)
    .action(async (opts: ApplyOptions) => apply(ctx, opts));
}

async function apply(ctx: CliContext, opts: ApplyOptions): Promise<void> {
  const resources = await loadValidResources(ctx, opts.filename, true);
  if (opts.dryRun) {
    for (const r of resources) ctx.stdout.write(`${objectRef(r.kind, r.name)} valid (dry run)\n`);
    return;
  }
  const paths = currentPaths(ctx);
  await withSsm(ctx, async (client) => {
    const created = await markEmptyStore(client, paths);
    if (created) ctx.stderr.write(`store ${created} created at ${paths.root} (its identity marker)\n`);
    for (const r of resources) ctx.stdout.write(`${await applyOne(client, paths, r)}\n`);
  });
}

/**
 * Gives a new gateway's store its identity before its first resource: operators recognise the store by it. Only an
 * empty prefix gets one; a store that has resources but no marker is left for its operators to mark or adopt.
 */
async function markEmptyStore(client: SSMClient, paths: GatewayPaths): Promise<string | undefined> {
  const out = await client.send(new GetParametersByPathCommand({ Path: paths.root, Recursive: true, MaxResults: 1 }));
  if ((out.Parameters ?? []).length > 0) return undefined;
  const marker = await createSsmMarkerCreator(
    client,
    storeMarkerPath(paths),
    () => new Date(),
  )('csgw apply', AbortSignal.timeout(30_000));
  return marker.id;
}

/** Writes one resource unless the stored value is already identical, returning kubectl's one-line outcome. */
async function applyOne(client: SSMClient, paths: GatewayPaths, r: ResourceManifest): Promise<string> {
  // Stored as written (compact, no defaults) so users see their own spec back and defaults can evolve.
  const value = JSON.stringify(r.spec);
  const ref = objectRef(r.kind, r.name);
  const current = await getStoredResource(client, paths, r.kind, r.name);
  if (current?.value === value) return `${ref} unchanged (generation ${current.generation})`;
  const out = await client.send(
    new PutParameterCommand({
      Name: specPath(paths, r.kind, r.name),
      Value: value,
      // Secrets are encrypted at rest with the account's SSM KMS key; the operator reads them decrypted.
      Type: r.kind.secret ? 'SecureString' : 'String',
      Overwrite: true,
      // Standard tier while the value fits (4 KB), Advanced automatically when a spec grows past it.
      Tier: 'Intelligent-Tiering',
      DataType: 'text',
    }),
  );
  return `${ref} ${current ? 'configured' : 'created'} (generation ${out.Version ?? '?'})`;
}
