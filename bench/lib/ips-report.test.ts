import { describe, expect, it } from '@jest/globals';
import { flattenNumbers, gatewayUsage, queueDelta, queueRuleCounters, type GatewaySample } from './ips-observe.js';
import { counterDelta, summarizeCounters, summarizeLatency, summarizeUsage, type IpsRun } from './ips-report.js';
import { busiestQueueShare, queueSpread } from './ips-report.js';
import type { IpsVisit } from './ips-report.js';
import type { LatencyResult } from './latency-probe.js';

const SAVE = [
  '*security',
  ':CSGW-IPS - [0:0]',
  '[500:900000] -A FORWARD -j CSGW-IPS',
  '[40:52000] -A CSGW-IPS -m connmark --mark 0x20000000/0x20000000 -m comment --comment "csgw-ips:ab" -j RETURN',
  '[100:640000] -A CSGW-IPS -m comment --comment "csgw-ips:ab" -j NFQUEUE --queue-balance 0:1 --queue-bypass',
  '[5:300] -A CSGW-IPS -s 10.0.0.0/8 -m comment --comment "csgw-ips:ab" -j NFQUEUE --queue-num 0',
  'COMMIT',
].join('\n');

describe('queueRuleCounters', () => {
  it('sums the NFQUEUE rules of the IPS chain and counts its bypass RETURN rule apart, not the FORWARD jump', () => {
    expect(queueRuleCounters(SAVE)).toEqual({ packets: 105, bytes: 640300, bypassed: 40 });
    expect(queueRuleCounters('')).toEqual({ packets: 0, bytes: 0, bypassed: 0 });
  });
});

function sample(at: number, over: Partial<GatewaySample> = {}): GatewaySample {
  const machine = { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 };
  return { at, machine, threads: [], queues: [], ruleHits: 0, ruleBytes: 0, bypassHits: 0, ...over };
}

const q = (queue: number, idSequence: number, queueDropped = 0) => ({
  queue,
  portId: 1,
  waiting: 0,
  queueDropped,
  userDropped: 0,
  idSequence,
});

describe('gatewayUsage', () => {
  const th = (tid: number, process: string, thread: string, utime: number, stime: number) => ({
    pid: 10,
    tid,
    process,
    thread,
    utime,
    stime,
  });
  const before = sample(0, {
    machine: { user: 0, nice: 0, system: 0, idle: 0, iowait: 0, irq: 0, softirq: 0, steal: 0 },
    threads: [th(11, 'Suricata-Main', 'W-NFQ#0', 0, 0), th(12, 'Suricata-Main', 'W-NFQ#1', 0, 0)],
    queues: [q(0, 1000), q(1, 50)],
    ruleHits: 10,
    ruleBytes: 1000,
  });
  const after = sample(10_000, {
    machine: { user: 300, nice: 0, system: 600, idle: 800, iowait: 0, irq: 0, softirq: 300, steal: 0 },
    threads: [
      th(11, 'Suricata-Main', 'W-NFQ#0', 100, 800),
      th(12, 'Suricata-Main', 'W-NFQ#1', 10, 40),
      th(13, 'Suricata-Main', 'FM#01', 5, 0),
      th(20, 'MainThread', 'MainThread', 30, 20),
    ],
    queues: [q(0, 31_000, 2), q(1, 5050)],
    ruleHits: 10_010,
    ruleBytes: 40_001_000,
    bypassHits: 7,
  });

  it('splits CPU into the machine by kind, Suricata workers, all of Suricata and the operator', () => {
    const u = gatewayUsage(before, after);
    expect(u.seconds).toBe(10);
    expect(u.machine).toMatchObject({ user: 0.3, system: 0.6, softirq: 0.3, busy: 1.2 });
    expect(u.suricataWorkers).toEqual({ threads: 2, cores: 0.95, busiestCores: 0.9, systemCores: 0.84 });
    expect(u.suricataCores).toBe(0.955);
    expect(u.operatorCores).toBe(0.05);
    expect(u.topThreads[0]).toMatchObject({ thread: 'W-NFQ#0', cores: 0.9 });
  });

  it('counts queued segments per queue next to the rule matches', () => {
    expect(queueDelta(before, after)).toEqual({
      ruleHits: 10_000,
      ruleBytes: 40_000_000,
      bypassHits: 7,
      queued: 35_000,
      perQueue: { '0': 30_000, '1': 5000 },
      queueDropped: 2,
      userDropped: 0,
    });
    expect(queueDelta(sample(0), sample(1))).toBeUndefined();
  });
});

describe('flattenNumbers', () => {
  it('flattens nested counters and ignores what is not a number', () => {
    const ips = { accepted: 5, drop_reason: { stream_error: 2, flow_drop: 0 }, note: 'x' };
    expect(flattenNumbers(ips, 'ips')).toEqual({
      'ips.accepted': 5,
      'ips.drop_reason.stream_error': 2,
      'ips.drop_reason.flow_drop': 0,
    });
  });
});

describe('summaries', () => {
  const latency = (p50: number, p99: number, lost = 0): LatencyResult => ({
    rtt: { n: 10, min: p50, p50, p90: p99, p99, max: p99, mean: p50 },
    sent: 10,
    lost,
  });

  it('counterDelta keeps what moved; summarizeCounters adds the rounds up', () => {
    expect(counterDelta({ a: 1, b: 2 }, { a: 1, b: 5, c: 3 })).toEqual({ b: 3, c: 3 });
    const visits: IpsVisit[] = [
      {
        round: 1,
        scenario: 'ips',
        ping: latency(1, 2),
        http: latency(1, 2),
        counters: { x: 1 },
        suricataIps: { y: 2 },
      },
      { round: 2, scenario: 'ips', ping: latency(1, 2), http: latency(1, 2), counters: { x: 4 } },
      { round: 1, scenario: 'nat', ping: latency(1, 2), http: latency(1, 2) },
    ];
    expect(summarizeCounters(visits)).toEqual({ ips: { x: 5, y: 2 } });
  });

  it('latency: medians over rounds of each percentile, losses summed', () => {
    const visits: IpsVisit[] = [1, 2, 3].map((round) => ({
      round,
      scenario: 'ips',
      ping: latency(round / 10, round, round === 2 ? 1 : 0),
      http: latency(round, round * 10),
      ...(round < 3 ? { inspectedByteShare: round } : {}),
    }));
    expect(summarizeLatency(visits)).toEqual([
      {
        scenario: 'ips',
        rounds: 3,
        pingP50: 0.2,
        pingP99: 2,
        pingLost: 1,
        httpP50: 2,
        httpP99: 20,
        inspectedByteShare: 1,
      },
    ]);
  });

  it('usage: queue figures only where a queue was in the path', () => {
    const usage = gatewayUsage(sample(0), sample(1000));
    const queued = { ...usage, queue: { ...queueDelta(sample(0), sample(0, { ruleHits: 1 }))!, queued: 4000 } };
    const run = (scenario: string, u: typeof usage, retransmits?: number): IpsRun => ({
      round: 1,
      scenario,
      mode: 'tcp1',
      load1m: 0,
      receivedBps: 1e9,
      sentBps: 1e9,
      ...(retransmits !== undefined ? { retransmits } : {}),
      usage: u,
    });
    const spread = { ...queued, queue: { ...queued.queue, perQueue: { '0': 3000, '1': 1000 } } };
    const [nat, ips] = summarizeUsage([
      run('nat', usage),
      run('ips', spread, 7),
      run('ips', spread, 20),
      run('ips', spread, 9),
    ]);
    expect(nat).not.toHaveProperty('queuedKpps');
    expect(nat).not.toHaveProperty('retransmits');
    expect(ips).toMatchObject({ scenario: 'ips', queuedKpps: 4, queuedPerHit: 4000, bypassedKpps: 0 });
    expect(ips).toMatchObject({ busiestQueueShare: 0.75, retransmits: 9 });
  });

  it('queue spread: the busiest queue share, and every queue in queue order', () => {
    expect(busiestQueueShare({ '0': 10, '1': 30 })).toBe(0.75);
    expect(busiestQueueShare({ '0': 0, '1': 0 })).toBeUndefined();
    expect(queueSpread({ '10': 1, '2': 3 })).toBe('2:75% 10:25%');
    expect(queueSpread({})).toBe('');
  });
});
