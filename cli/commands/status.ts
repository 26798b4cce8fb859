import { paginateGetParametersByPath, type SSMClient } from '@aws-sdk/client-ssm';
import type { Command } from 'commander';
import type { GatewayPaths } from '../../runtime/paths.js';
import type { Condition, ControllerStatus, InstanceStatus } from '../../runtime/status-types.js';
import { outputOption } from '../command-helpers.js';
import { currentPaths, withSsm, type CliContext } from '../context.js';
import { formatAge, formatStructured, formatTable } from '../format.js';

const FORMATS = ['table', 'json'] as const;

/** One instance's status parameter: parsed, or the reason it could not be. */
export interface InstanceReport {
  /** The last path segment of the status parameter: the instance id. */
  instanceId: string;
  status?: InstanceStatus;
  error?: string;
  /** When SSM last saw the document written, for instances whose document is unreadable. */
  lastModified?: Date;
}

const HEADERS = ['INSTANCE', 'KIND', 'NAME', 'PHASE', 'READY', 'REASON', 'DEGRADED', 'GENERATION', 'UPDATED'];
const NONE = '<none>';

export function registerStatus(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description('show what every gateway instance reports about its controllers (from SSM status documents)')
    .addOption(outputOption(FORMATS))
    .addHelpText(
      'after',
      '\nEach instance writes one status document to SSM; this reads them all. For live events see csgw events.',
    )
    .action(async (opts: { output: (typeof FORMATS)[number] }) => {
      const paths = currentPaths(ctx);
      const reports = await withSsm(ctx, (client) => readFleetStatus(client, paths));
      if (opts.output === 'json') {
        ctx.stdout.write(
          formatStructured(
            reports.map((r) => r.status ?? { instanceId: r.instanceId, error: r.error }),
            'json',
          ),
        );
      } else if (reports.length === 0) {
        const gateway = ctx.globals().gateway;
        ctx.stdout.write(
          `No instance of gateway "${gateway}" has reported status yet (${paths.statusRoot} is empty). Is the operator running?\n`,
        );
      } else {
        ctx.stdout.write(fleetTable(reports, new Date()));
      }
    });
}

/** Every status document under the gateway's status root, sorted by instance id. */
export async function readFleetStatus(client: SSMClient, paths: GatewayPaths): Promise<InstanceReport[]> {
  const reports: InstanceReport[] = [];
  const pages = paginateGetParametersByPath({ client }, { Path: paths.statusRoot, Recursive: false });
  for await (const page of pages) {
    for (const p of page.Parameters ?? []) {
      const instanceId = (p.Name ?? '').slice(paths.statusRoot.length + 1);
      reports.push({ ...parseStatus(p.Value ?? ''), instanceId, lastModified: p.LastModifiedDate });
    }
  }
  return reports.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
}

function parseStatus(value: string): { status?: InstanceStatus; error?: string } {
  try {
    const parsed = JSON.parse(value) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'controllers' in parsed)
      return { status: parsed as InstanceStatus };
    return { error: 'not an instance status document' };
  } catch {
    return { error: '<invalid JSON>' };
  }
}

/**
 * One row per (instance, controller); an instance without controllers or a readable document still shows. No cell is
 * empty, so every row splits into the same columns (awk, cut).
 */
export function fleetTable(reports: readonly InstanceReport[], now: Date): string {
  const rows = reports.flatMap((r): string[][] => {
    if (!r.status) {
      const age = formatAge(r.lastModified, now);
      return [[r.instanceId, '<unknown>', NONE, NONE, 'Unknown', r.error ?? '<unknown>', 'Unknown', NONE, age]];
    }
    const updated = formatAge(new Date(r.status.updatedAt), now);
    const controllers = Object.values(r.status.controllers ?? {});
    if (controllers.length === 0) return [[r.instanceId, NONE, NONE, NONE, NONE, NONE, NONE, NONE, updated]];
    return controllers.map((c) => controllerRow(r.instanceId, c, updated));
  });
  return formatTable(HEADERS, rows);
}

function controllerRow(instanceId: string, c: ControllerStatus, updated: string): string[] {
  const condition = (type: string): Condition | undefined => (c.conditions ?? []).find((x) => x.type === type);
  const ready = condition('Ready');
  const degraded = condition('Degraded');
  return [
    instanceId,
    c.kind,
    c.name ?? NONE,
    c.phase || NONE,
    ready?.status ?? 'Unknown',
    ready?.reason || NONE,
    // Degraded=True is what needs a look: its reason comes along; False and absent need none.
    degraded ? (degraded.status === 'True' ? `True:${degraded.reason}` : degraded.status) : NONE,
    c.observedGeneration === undefined ? NONE : String(c.observedGeneration),
    updated,
  ];
}
