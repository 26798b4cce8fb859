import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { RUN_LABEL, type Topology } from '../../e2e/harness/index.js';
import { isObject } from '../../renderers/nft/elements.js';
import type { NftTable } from '../../renderers/nft/model.js';
import { renderTransaction } from '../../renderers/nft/render.js';

/**
 * nft inside the gateway container of an e2e topology, from the benchmark: a transaction is rendered here, copied in
 * with `docker cp` (the harness's exec has no stdin, and nft reads -f paths itself) and run with the image's own nft.
 */
export interface GatewayNft {
  /** Flushes the ruleset and conntrack, then loads the tables as one transaction; returns the load time (ms). */
  load(tables: readonly NftTable[]): Promise<number>;
  /** Packets and bytes counted by the last rule of a chain (the policy's default rule). */
  lastRuleCounter(table: { family: string; name: string }, chain: string): Promise<{ packets: number; bytes: number }>;
  /** Removes the local temp dir of the transactions. */
  close(): Promise<void>;
}

async function mustExec(t: Topology, argv: string[]): Promise<string> {
  const r = await t.exec('gateway', argv);
  if (r.exitCode !== 0) throw new Error(`gateway: ${argv.join(' ')} failed (${r.exitCode}): ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function gatewayContainer(t: Topology): Promise<string> {
  const r = await execa('docker', [
    'ps',
    '-q',
    '--filter',
    `label=${RUN_LABEL}=${t.runId}`,
    '--filter',
    'name=-gateway$',
  ]);
  const id = r.stdout.trim().split('\n')[0];
  if (!id) throw new Error(`no gateway container for run ${t.runId}`);
  return id;
}

export async function gatewayNft(t: Topology): Promise<GatewayNft> {
  const container = await gatewayContainer(t);
  const dir = await mkdtemp(join(tmpdir(), 'csgw-bench-gw-'));
  let n = 0;
  return {
    async load(tables) {
      await mustExec(t, ['nft', 'flush', 'ruleset']);
      // Entries of earlier scenarios would keep their NAT bindings; every scenario starts with an empty table.
      await t.exec('gateway', ['conntrack', '-F']);
      if (tables.length === 0) return 0;
      const file = join(dir, `t${(n += 1)}.json`);
      await writeFile(file, JSON.stringify(renderTransaction(tables.map((table) => ({ op: 'replaceTable', table })))));
      await execa('docker', ['cp', file, `${container}:/tmp/bench-transaction.json`]);
      await rm(file);
      const start = performance.now();
      await mustExec(t, ['nft', '-j', '-f', '/tmp/bench-transaction.json']);
      return performance.now() - start;
    },
    close: () => rm(dir, { recursive: true, force: true }),
    async lastRuleCounter(table, chain) {
      const out = await mustExec(t, ['nft', '-j', 'list', 'chain', table.family, table.name, chain]);
      const doc = JSON.parse(out) as unknown;
      const items = isObject(doc) && Array.isArray(doc.nftables) ? (doc.nftables as unknown[]) : [];
      const rules = items.flatMap((i) => (isObject(i) && isObject(i.rule) ? [i.rule] : []));
      const expr = rules[rules.length - 1]?.expr;
      const counter = (Array.isArray(expr) ? (expr as unknown[]) : [])
        .map((s) => (isObject(s) && isObject(s.counter) ? s.counter : undefined))
        .find((c) => c !== undefined);
      return { packets: Number(counter?.packets ?? 0), bytes: Number(counter?.bytes ?? 0) };
    },
  };
}

/** Gateway forwarding on, and a route back to the client network on the server, so bare forwarding works too. */
export async function prepareForwarding(t: Topology): Promise<void> {
  await mustExec(t, ['sysctl', '-w', 'net.ipv4.ip_forward=1']);
  const r = await t.exec('server', ['ip', 'route', 'replace', t.privateSubnet, 'via', t.gatewayPublicIp]);
  if (r.exitCode !== 0) throw new Error(`server route: ${r.stderr}`);
}
