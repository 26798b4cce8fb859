import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { FILTER_TABLE } from '../../controllers/firewall/compile/names.js';
import { parseNfqueueStats } from '../../controllers/intrusion-prevention/nfqueue-stats.js';
import { parseXtSave } from '../../controllers/intrusion-prevention/xt-rules.js';
import { findKind } from '../../crds-equivalent/index.js';
import { OPERATOR_GATEWAY, waitFor, type Manifest, type Operator, type Topology } from '../../e2e/harness/index.js';
import { DEFAULT_PREFIX } from '../../runtime/config.js';
import { gatewayPaths, specPath } from '../../runtime/paths.js';
import type { ControllerStatus } from '../../runtime/status-types.js';
import type { IpsScenario } from './ips-scenarios.js';

/**
 * Switches the operator in the gateway from one scenario to the next the way a user would (csgw apply / delete of
 * manifests), and waits until the change is in place: Ready for the very SSM version written (read back from SSM, so
 * a delete and re-create that restarts the version count cannot fool it), or, for a delete, until the kernel no
 * longer has the table or queue.
 */
export const IPS_KIND = 'IntrusionPrevention';
const FIREWALL_KIND = 'FirewallPolicy';

export interface Switcher {
  t: Topology;
  op: Operator;
  firewall: Manifest[];
  ruleCount: number;
}

/** The newest SSM version among these resources of one kind. */
async function ssmVersion(op: Operator, kind: string, names: readonly string[]): Promise<number> {
  const k = findKind(kind);
  if (!k) throw new Error(`unknown kind ${kind}`);
  const client = new SSMClient({
    endpoint: op.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  try {
    let newest = 0;
    for (const name of names) {
      const Name = specPath(gatewayPaths(DEFAULT_PREFIX, OPERATOR_GATEWAY), k, name);
      const r = await client.send(new GetParameterCommand({ Name, WithDecryption: true }));
      newest = Math.max(newest, r.Parameter?.Version ?? 0);
    }
    return newest;
  } finally {
    client.destroy();
  }
}

async function gatewayOut(t: Topology, argv: string[]): Promise<string> {
  return (await t.exec('gateway', argv)).stdout;
}

async function applyFirewall(s: Switcher): Promise<void> {
  await s.op.apply(...s.firewall);
  const version = await ssmVersion(
    s.op,
    FIREWALL_KIND,
    s.firewall.map((m) => m.name),
  );
  await s.op.waitForReady(FIREWALL_KIND, version, {
    accept: (st) => st.details.ruleCount === s.ruleCount,
    timeoutMs: 120_000,
  });
}

async function deleteFirewall(s: Switcher): Promise<void> {
  await s.op.delete(
    FIREWALL_KIND,
    s.firewall.map((m) => m.name),
  );
  const table = `table ${FILTER_TABLE.family} ${FILTER_TABLE.name}`;
  await waitFor(async () => !(await gatewayOut(s.t, ['nft', 'list', 'tables'])).includes(table), {
    timeoutMs: 60_000,
    what: 'the firewall table gone',
  });
}

type IpsDetails = { queues?: { count?: number; bound?: number[]; rulesInstalled?: boolean }; phase?: string };

async function applyIps(s: Switcher, spec: Record<string, unknown>): Promise<ControllerStatus> {
  await s.op.apply({ kind: IPS_KIND, name: 'default', spec });
  const version = await ssmVersion(s.op, IPS_KIND, ['default']);
  return s.op.waitForReady(IPS_KIND, version, {
    timeoutMs: 120_000,
    accept: (st) => {
      const d = st.details as IpsDetails;
      return d.phase === 'running' && d.queues?.rulesInstalled === true && d.queues.bound?.length === spec.queues;
    },
  });
}

async function deleteIps(s: Switcher): Promise<void> {
  await s.op.delete(IPS_KIND, ['default']);
  await waitFor(
    async () => {
      const chain = parseXtSave(await gatewayOut(s.t, ['iptables-nft-save', '-t', 'security'])).queue.exists;
      const bound = parseNfqueueStats(await gatewayOut(s.t, ['cat', '/proc/net/netfilter/nfnetlink_queue']));
      return !chain && bound.length === 0;
    },
    { timeoutMs: 60_000, what: 'the IPS queue rules and Suricata gone' },
  );
}

/** From `from` (undefined: SourceNat only, as set up) to `to`; returns the IPS status when `to` runs Suricata. */
export async function switchScenario(
  s: Switcher,
  from: IpsScenario | undefined,
  to: IpsScenario,
): Promise<ControllerStatus | undefined> {
  // Suricata goes first when leaving an IPS scenario, and comes last when entering one: the queue rules never
  // point at a queue whose reader is being replaced for a reason other than the IPS change itself.
  if (from?.ips && !to.ips) await deleteIps(s);
  if (to.firewall && !from?.firewall) await applyFirewall(s);
  if (!to.firewall && from?.firewall) await deleteFirewall(s);
  if (to.ips && JSON.stringify(to.ips) !== JSON.stringify(from?.ips)) return applyIps(s, to.ips);
  return to.ips ? s.op.controller(IPS_KIND) : undefined;
}

/** The IPS's status counters (Suricata's stats every 5 s, the kernel's queue counters), {} without one. */
export async function ipsCounters(op: Operator): Promise<Record<string, number>> {
  const status = await op.controller(IPS_KIND);
  return (status?.details.counters as Record<string, number> | undefined) ?? {};
}
