/**
 * Issue 16, in one run: the LoadBalancer's L4 data plane (the nftables table the controller renders, in a gateway
 * network namespace) against routing straight to the targets, then TLS termination through HAProxy (the config the
 * TlsTermination renderer writes) against a direct TLS backend. Real kernel, network namespaces, loopback of
 * nothing: every byte crosses veth pairs between namespaces this benchmark creates and removes.
 *
 *   npm run build && node dist/bench/l4-tls.js [--rounds 3] [--parts l4,tls]
 */
import { parseFlags, positiveNumber } from './lib/args.js';
import { runBenchmark, type Cleanup } from './lib/cleanup.js';
import { TRAFFIC_MODES, type TrafficMode } from './lib/iperf.js';
import { runL4 } from './lib/l4-part.js';
import { summarizeSamples, summaryTable } from './lib/l4-tls-report.js';
import { L4_SCENARIO_NAMES } from './lib/l4-scenarios.js';
import { createLbLab } from './lib/lb-lab.js';
import { runTls, TLS_SCENARIO_NAMES } from './lib/tls-part.js';
import { codeVersion, defaultResultsDir, machineInfo, say, writeResults } from './lib/report.js';

const flags = parseFlags({
  parts: 'l4,tls',
  rounds: '3',
  seconds: '10',
  modes: 'tcp1,tcp4',
  'conn-seconds': '5',
  concurrency: '32',
  'l4-scenarios': L4_SCENARIO_NAMES.filter((s) => s !== 'lb-snat').join(','),
  'tls-seconds': '5',
  'tls-concurrency': '16',
  'tls-size-mib': '256',
  'tls-downloads': '2',
  'tls-scenarios': TLS_SCENARIO_NAMES.join(','),
  out: defaultResultsDir(),
});

const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

function tcpModes(): TrafficMode[] {
  return list(flags.modes).map((name) => {
    const mode = TRAFFIC_MODES[name];
    // Over the balancer's TCP listener, from the client's one address: no UDP, no extra sources.
    if (!mode || mode.protocol !== 'tcp' || mode.sources !== undefined)
      throw new Error(`--modes: ${name} is not one of tcp1, tcp4`);
    return mode;
  });
}

async function main(cleanup: Cleanup): Promise<void> {
  const startedAt = new Date().toISOString();
  const parts = list(flags.parts);
  const rounds = positiveNumber('rounds', flags.rounds);
  const results: Record<string, unknown> = {};
  const lab = await createLbLab(cleanup, 3);
  if (parts.includes('l4')) {
    const l4 = await runL4(cleanup, lab, {
      rounds,
      seconds: positiveNumber('seconds', flags.seconds),
      connSeconds: positiveNumber('conn-seconds', flags['conn-seconds']),
      concurrency: positiveNumber('concurrency', flags.concurrency),
      modes: tcpModes(),
      scenarios: list(flags['l4-scenarios']),
    });
    const summary = summarizeSamples(l4.samples, 'direct');
    say(`\nL4 (nftables path${l4.ipvs.available ? '' : '; IPVS is not in this kernel'}), ${rounds} rounds:\n`);
    say(summaryTable(summary, 'direct'));
    results.l4 = { ...l4, summary };
  }
  if (parts.includes('tls')) {
    say("\nTLS termination: HAProxy with the TlsTermination renderer's config");
    const tls = await runTls(cleanup, lab, {
      rounds,
      handshakeSeconds: positiveNumber('tls-seconds', flags['tls-seconds']),
      concurrency: positiveNumber('tls-concurrency', flags['tls-concurrency']),
      sizeMiB: positiveNumber('tls-size-mib', flags['tls-size-mib']),
      downloads: positiveNumber('tls-downloads', flags['tls-downloads']),
      scenarios: list(flags['tls-scenarios']),
    });
    const summary = summarizeSamples(tls.samples, 'direct');
    say(`\nTLS, ${rounds} rounds (direct: HAProxy on the target itself):\n`);
    say(summaryTable(summary, 'direct'));
    results.tls = { ...tls, summary };
  }
  const path = await writeResults(flags.out, 'l4-tls', {
    benchmark: 'l4-tls',
    startedAt,
    finishedAt: new Date().toISOString(),
    machine: machineInfo(),
    code: await codeVersion(),
    params: { ...flags, out: undefined },
    ...results,
  });
  say(`\nresults: ${path}`);
}

void runBenchmark(main);
