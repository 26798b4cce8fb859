import type { Command } from 'commander';
import type { KindDefinition } from '../../crds-equivalent/index.js';
import { outputOption, requireKind } from '../command-helpers.js';
import { CliError, currentPaths, withSsm, type CliContext } from '../context.js';
import { formatAge, formatCell, formatStructured, formatTable, valueAtPath } from '../format.js';
import {
  getStoredResource,
  listStoredResources,
  notFoundMessage,
  resourceView,
  type StoredResource,
} from '../resources.js';

const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;
type GetFormat = (typeof FORMATS)[number];

const HELP = `
KIND is a kind name, plural or alias (case-insensitive), e.g. SourceNat, sourcenats, sourcenat, snat.

Examples:
  csgw get snat
  csgw get sourcenat default -o yaml`;

export function registerGet(program: Command, ctx: CliContext): void {
  program
    .command('get')
    .description('show resources of a kind, or one resource')
    .argument('<kind>', 'kind name, plural or alias')
    .argument('[name]', 'resource name (all resources of the kind when omitted)')
    .addOption(outputOption(FORMATS))
    .addHelpText('after', HELP)
    .action(async (kindName: string, name: string | undefined, opts: { output: GetFormat }) => {
      await get(ctx, requireKind(kindName), name, opts.output);
    });
}

async function get(ctx: CliContext, kind: KindDefinition, name: string | undefined, format: GetFormat): Promise<void> {
  const paths = currentPaths(ctx);
  const found = await withSsm(ctx, async (client) => {
    if (name === undefined) return listStoredResources(client, paths, kind);
    const one = await getStoredResource(client, paths, kind, name);
    if (!one) throw new CliError(notFoundMessage(kind, name));
    return [one];
  });
  if (format === 'json' || format === 'yaml') {
    const views = found.map(resourceView);
    ctx.stdout.write(formatStructured(name === undefined ? views : views[0], format));
    return;
  }
  if (found.length === 0) {
    // kubectl's habit: the note goes to stderr so scripts reading stdout see an empty result.
    ctx.stderr.write(`No ${kind.plural} found in gateway "${ctx.globals().gateway}".\n`);
    return;
  }
  ctx.stdout.write(resourceTable(kind, found, format === 'wide', new Date()));
}

/** NAME, GENERATION, the kind's printer columns, AGE (and with wide, when and where it is stored). */
export function resourceTable(
  kind: KindDefinition,
  resources: readonly StoredResource[],
  wide: boolean,
  now: Date,
): string {
  const headers = ['NAME', 'GENERATION', ...kind.printerColumns.map((c) => c.name), 'AGE'];
  if (wide) headers.push('MODIFIED');
  const rows = resources.map((r) => {
    const view = resourceView(r);
    // A value someone wrote by hand may not be JSON; list it anyway so it can be found and fixed.
    const columns = kind.printerColumns.map((c) =>
      view.error ? '<invalid JSON>' : formatCell(valueAtPath(view, c.path)),
    );
    const row = [r.name, String(r.generation), ...columns, formatAge(r.lastModified, now)];
    if (wide) row.push(r.lastModified?.toISOString() ?? '<unknown>');
    return row;
  });
  return formatTable(headers, rows);
}
