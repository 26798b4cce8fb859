/**
 * Tamper-to-repair time: the real `csgw run` child manages a lab gateway namespace with a SourceNat spec; each trial
 * deletes the one element of its exclude set by hand (`nft delete element`, as an operator with a shell would) and
 * times until the element is back. `nft monitor` reports the foreign generation, the controller observes at once and
 * re-adds it; without the monitor only the periodic full listing (60 s) would see it.
 *
 *   node dist/bench/tamper-repair.js [--trials 20] [--probe-ms 5] [--log-level info] [--out bench/results]
 */
import { setTimeout as delay } from 'node:timers/promises';
import { execa } from 'execa';
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { createBenchLab } from './lib/lab.js';
import { expectedElements, waitForElements } from './lib/nft.js';
import { startOperator, tail } from './lib/operator.js';
import { codeVersion, defaultResultsDir, formatTable, machineInfo, ms, say, writeResults } from './lib/report.js';
import { benchCidr, putSourceNat, sourceNatSpec, startBenchSsm } from './lib/ssm.js';
import { rounded, summarize } from './lib/stats.js';
import { EXCLUDE_SET, NAT_TABLE } from '../controllers/source-nat/names.js';

const flags = parseFlags({ trials: '20', 'probe-ms': '5', 'log-level': 'info', out: defaultResultsDir() });

/** Longer than any repair seen, far shorter than the 60 s full resync that would also repair it. */
const TRIAL_TIMEOUT_MS = 10_000;

interface Trial {
  /** From the end of `nft delete element` to the first probe that saw the element again. */
  repairMs?: number;
  probes: number;
}

async function trial(ns: string, cidr: string, probeMs: number): Promise<Trial> {
  const expected = expectedElements([cidr]);
  await execa('ip', [
    'netns',
    'exec',
    ns,
    'nft',
    'delete',
    'element',
    NAT_TABLE.family,
    NAT_TABLE.name,
    EXCLUDE_SET,
    `{ ${cidr} }`,
  ]);
  const deletedAt = performance.now();
  const seen = await waitForElements(ns, expected, { intervalMs: probeMs, timeoutMs: TRIAL_TIMEOUT_MS });
  return seen ? { repairMs: seen.detectedMs - deletedAt, probes: seen.probes } : { probes: 0 };
}

async function main(cleanup: Cleanup): Promise<void> {
  const trials = positiveNumber('trials', flags.trials);
  const probeMs = positiveNumber('probe-ms', flags['probe-ms']);
  const startedAt = new Date().toISOString();
  const ssm = await startBenchSsm(cleanup);
  const lab = await createBenchLab(cleanup);
  const cidr = benchCidr(0);
  await putSourceNat(ssm.client, sourceNatSpec(cidr));
  // The shipped defaults: nothing here shortens the resync, so a repair within seconds is the monitor's doing.
  const operator = await startOperator(cleanup, {
    netns: lab.gatewayNs,
    endpointUrl: ssm.tap.url,
    runFlags: [],
    logDir: ssm.workDir,
    logLevel: flags['log-level'],
    label: 'tamper',
  });
  if (!(await waitForElements(lab.gatewayNs, expectedElements([cidr]), { intervalMs: 50, timeoutMs: 30_000 })))
    throw new Error(`SourceNat table never converged:\n${await tail(operator.logFile)}`);
  // Let the monitor settle and the first passes finish before the first trial.
  await delay(2_000);
  say(`tamper-repair: ${trials} trials, probe every ${probeMs} ms, gateway namespace ${lab.gatewayNs}`);
  const results: Trial[] = [];
  for (let i = 0; i < trials; i++) {
    const t = await trial(lab.gatewayNs, cidr, probeMs);
    results.push(t);
    say(`  trial ${i + 1}: ${t.repairMs === undefined ? 'not repaired within 10 s' : `${ms(t.repairMs)} ms`}`);
    // Trials at random phases of the operator's own resync timer.
    await delay(500 + Math.random() * 1_000);
  }
  await operator.stop();
  const repaired = results.flatMap((t) => (t.repairMs === undefined ? [] : [t.repairMs]));
  const summary = rounded(summarize(repaired));
  say('\nTamper to repair, ms:\n');
  say(
    formatTable([
      ['trials', 'repaired', 'min', 'p50', 'p90', 'max'],
      [trials, repaired.length, ms(summary.min), ms(summary.p50), ms(summary.p90), ms(summary.max)],
    ]),
  );
  const path = await writeResults(flags.out, 'tamper-repair', {
    benchmark: 'tamper-repair',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    code: await codeVersion(),
    params: { trials, probeMs, operatorFlags: 'defaults' },
    summary,
    trials: results,
  });
  say(`\nresults: ${path}`);
}

void runBenchmark(main);
