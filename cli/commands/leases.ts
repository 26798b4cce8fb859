import { paginateGetParameterHistory, paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import { decodeLeaseRecord, isEffective, type LeaseRecord } from '../../runtime/lease/record.js';
import { leasePath, type GatewayPaths } from '../../runtime/paths.js';
import { outputOption } from '../command-helpers.js';
import { CliError, currentPaths, withSsm, type CliContext } from '../context.js';
import { formatAge, formatStructured, formatTable } from '../format.js';

const FORMATS = ['table', 'json'] as const;

/** One version of a lease parameter with the verdict every instance reaches about it. */
export interface LeaseRow {
  scope: string;
  version: number;
  /** held, released, lost (a write that did not land at basedOn + 1) or foreign (not a lease record). */
  verdict: 'held' | 'released' | 'lost' | 'foreign';
  holder: string;
  epoch?: number;
  basedOn?: number;
  written?: Date;
}

const LEASES_HELP = `
Reads the lease parameters (<prefix>/<gateway>/leases/<scope>) straight from SSM. A version counts only when SSM gave
it the version after the one its writer saw (basedOn + 1): "lost" rows are claims that lost a race. Whether a held
lease is still valid is judged by each instance on its own clock; WRITTEN is SSM's time of the version, shown for
people. --history <scope> lists every retained version of one scope (SSM keeps the last 100): the audit trail of
claims, renews, releases and lost races.`;

export function registerLeases(program: Command, ctx: CliContext): void {
  program
    .command('leases')
    .description('show who holds each lease scope (cluster, az/<az-id>), or one scope’s history')
    .option('--history <scope>', 'list every retained version of one scope, e.g. cluster or az/use1-az1')
    .addOption(outputOption(FORMATS))
    .addHelpText('after', LEASES_HELP)
    .action(async (opts: { history?: string; output: (typeof FORMATS)[number] }) => {
      const paths = currentPaths(ctx);
      const rows = await withSsm(ctx, (client) =>
        opts.history ? readLeaseHistory(client, paths, opts.history) : readLeases(client, paths),
      );
      if (opts.output === 'json') return void ctx.stdout.write(formatStructured(rows, 'json'));
      if (rows.length === 0)
        return void ctx.stdout.write(`No lease parameters under ${paths.leaseRoot}: no instance has elected yet.\n`);
      ctx.stdout.write(leaseTable(rows, new Date()));
    });
}

/** The latest version of every scope under the gateway's lease root. */
export async function readLeases(client: SSMClient, paths: GatewayPaths): Promise<LeaseRow[]> {
  const rows: LeaseRow[] = [];
  const pages = paginateGetParametersByPath({ client }, { Path: paths.leaseRoot, Recursive: true });
  for await (const page of pages)
    for (const p of page.Parameters ?? [])
      rows.push(leaseRow(p.Name!.slice(paths.leaseRoot.length + 1), p.Version ?? 0, p.Value ?? '', p.LastModifiedDate));
  return rows.sort((a, b) => a.scope.localeCompare(b.scope));
}

export async function readLeaseHistory(client: SSMClient, paths: GatewayPaths, scope: string): Promise<LeaseRow[]> {
  let name: string;
  try {
    name = leasePath(paths, scope);
  } catch (err) {
    throw new CliError((err as Error).message);
  }
  const rows: LeaseRow[] = [];
  try {
    for await (const page of paginateGetParameterHistory({ client }, { Name: name }))
      for (const p of page.Parameters ?? [])
        rows.push(leaseRow(scope, p.Version ?? 0, p.Value ?? '', p.LastModifiedDate));
  } catch (err) {
    if ((err as Error).name === 'ParameterNotFound') throw new CliError(`no lease parameter ${name}`);
    throw err;
  }
  return rows;
}

export function leaseRow(scope: string, version: number, value: string, written?: Date): LeaseRow {
  const record = decodeLeaseRecord(value);
  const base = { scope, version, ...(written ? { written } : {}) };
  if (!record) return { ...base, verdict: 'foreign', holder: '' };
  return {
    ...base,
    verdict: verdictOf(version, record),
    holder: record.holder,
    epoch: record.epoch,
    basedOn: record.basedOn,
  };
}

function verdictOf(version: number, record: LeaseRecord): LeaseRow['verdict'] {
  if (!isEffective({ version, record })) return 'lost';
  return record.released ? 'released' : 'held';
}

export function leaseTable(rows: readonly LeaseRow[], now: Date): string {
  return formatTable(
    ['SCOPE', 'VERSION', 'VERDICT', 'HOLDER', 'EPOCH', 'BASED-ON', 'WRITTEN'],
    rows.map((r) => [
      r.scope,
      String(r.version),
      r.verdict,
      r.holder || '-',
      r.epoch === undefined ? '-' : String(r.epoch),
      r.basedOn === undefined ? '-' : String(r.basedOn),
      r.written ? `${formatAge(r.written, now)} ago` : '<unknown>',
    ]),
  );
}
