import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../../adapters/ssm-client.js';
import { sourceNatKind } from '../../crds-equivalent/source-nat.js';
import { startEmbeddedSsm } from '../../embedded-ssm/index.js';
import { DEFAULT_PREFIX, DEFAULT_REGION } from '../../runtime/config.js';
import { gatewayPaths, specPath } from '../../runtime/paths.js';
import type { Cleanup } from './cleanup.js';
import { startSsmTap, type SsmTap } from './ssm-tap.js';

export const BENCH_GATEWAY = 'bench';

/** The SourceNat spec parameter of the benchmark gateway, built by the same functions the operator uses. */
export const SOURCE_NAT_PARAM = specPath(gatewayPaths(DEFAULT_PREFIX, BENCH_GATEWAY), sourceNatKind, 'default');

export interface BenchSsm {
  /** Writes go straight to the endpoint, not through the tap, so the tap sees only the operator's calls. */
  client: SSMClient;
  tap: SsmTap;
  /** The temp dir holding the endpoint's state; benchmarks may put logs beside it. */
  workDir: string;
}

/** The embedded SSM endpoint in this process, on a fresh temp data dir, with a recording tap in front of it. */
export async function startBenchSsm(cleanup: Cleanup): Promise<BenchSsm> {
  const workDir = await mkdtemp(join(tmpdir(), 'csgw-bench-'));
  cleanup.add(`remove ${workDir}`, () => rm(workDir, { recursive: true, force: true }));
  const ssm = await startEmbeddedSsm({ dataDir: join(workDir, 'ssm') });
  cleanup.add('stop the embedded SSM endpoint', () => ssm.close());
  const tap = await startSsmTap(ssm.url);
  cleanup.add('stop the SSM tap', () => tap.close());
  const client = createSsmClient({ region: DEFAULT_REGION, endpoint: ssm.url, dummyCredentials: true });
  cleanup.add('destroy the SSM client', () => client.destroy());
  return { client, tap, workDir };
}

/** PutParameter (Overwrite) of a SourceNat spec; returns the new version, i.e. the resource's generation. */
export async function putSourceNat(client: SSMClient, spec: unknown): Promise<number> {
  const out = await client.send(
    new PutParameterCommand({ Name: SOURCE_NAT_PARAM, Value: JSON.stringify(spec), Type: 'String', Overwrite: true }),
  );
  return out.Version ?? 0;
}

/**
 * The k-th distinct spec: everything else defaults from the lab (egress = default route interface, sources = the
 * client network), so the only difference between successive specs is the one /24 in the exclude_daddrs set.
 */
export function sourceNatSpec(cidr: string): { enable: true; excludeDestinationCidrs: string[] } {
  return { enable: true, excludeDestinationCidrs: [cidr] };
}

/** 198.18.0.0/15 (RFC 2544 benchmarking space) holds 512 /24s; successive k always give different ones. */
export function benchCidr(k: number): string {
  const i = k % 512;
  return `198.${18 + Math.floor(i / 256)}.${i % 256}.0/24`;
}
