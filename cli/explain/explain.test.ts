import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../../embedded-ssm/index.js';
import { runCsgw, type CliRun } from '../../testing/cli-harness.js';

const MANIFESTS = `
kind: PortForward
name: web
spec:
  rules:
    - { listenPort: 8080, destinationIp: 10.0.1.5, destinationPort: 80 }
    - { listenPortRange: 9000-9009, protocol: udp, destinationIp: 10.0.1.6, masquerade: false }
---
kind: PortForward
name: late
spec:
  rules:
    - { listenPort: 8080, destinationIp: 10.0.1.99 }
---
kind: FirewallPolicy
name: base
spec:
  rules:
    - { action: allow, sourceCidrs: [10.0.0.7/32], destinationCidrs: [93.184.216.0/24], protocol: tcp, destinationPorts: [443] }
    - { action: deny, sourceCidrs: [10.0.0.0/24], destinationCidrs: [93.184.216.0/24], comment: no example.com }
    - { action: reject, destinationCidrs: [10.0.1.6/32] }
  input:
    rules:
      - { action: allow, protocol: tcp, destinationPorts: [22] }
---
kind: SourceNat
name: default
spec: { enable: true, sourceCidrs: [10.0.0.0/16] }
`;

let tmp: string;
let file: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-explain-'));
  file = join(tmp, 'gateway.yaml');
  await writeFile(file, MANIFESTS);
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const explain = (...argv: string[]): Promise<CliRun> =>
  runCsgw(['explain', '-f', file, ...argv], { env: { HOME: tmp } });

describe('csgw explain -f', () => {
  it('names the allow rule and the outbound NAT of an allowed connection', async () => {
    const run = await explain('--src', '10.0.0.7', '--dst', '93.184.216.34', '--dport', '443');
    expect(run.stdout).toBe(
      [
        'packet:  tcp 10.0.0.7 -> 93.184.216.34:443',
        'dnat:    none: 93.184.216.34 is not an address of the gateway',
        'forward: allow by FirewallPolicy rule base/rules[0] (set lookup f0)',
        'snat:    masquerade when leaving by <default route interface> (SourceNat)',
        'verdict: ALLOW (forwarded to 93.184.216.34:443)',
        '',
      ].join('\n'),
    );
    expect(run.code).toBe(0);
  });

  it('first match: a later deny on an overlapping network decides for other sources, with its comment', async () => {
    const run = await explain('--src', '10.0.0.8', '--dst', '93.184.216.34', '--dport', '443');
    expect(run.stdout).toContain('forward: deny by FirewallPolicy rule base/rules[1] "no example.com"');
    expect(run.stdout).toContain('verdict: DENY (dropped)');
    expect(run.stdout).not.toContain('snat:');
  });

  it('translates a forwarded connection, then filters it by its new destination', async () => {
    const tcp = await explain('--src', '203.0.113.9', '--dst', '10.0.0.1', '--to-gateway', '--dport', '8080');
    expect(tcp.stdout).toContain('dnat:    to 10.0.1.5:80 by PortForward/web spec.rules[0] (map fwd_port)');
    expect(tcp.stdout).toContain('snat:    masquerade to the gateway address facing the target (PortForward)');
    expect(tcp.stderr).toMatch(/warning: PortForward\/late generation 1 rejected: .*8080/);
    const udp = await explain(
      '--src',
      '203.0.113.9',
      '--dst',
      '10.0.0.1',
      '--to-gateway',
      '--proto',
      'udp',
      '--dport',
      '9003',
    );
    expect(udp.stdout).toContain(
      'dnat:    to 10.0.1.6:9003 by PortForward/web spec.rules[1] (map fwd_keep, client address kept)',
    );
    expect(udp.stdout).toContain('forward: reject by FirewallPolicy rule base/rules[2]');
  });

  it('filters connections to the gateway itself on the input chain', async () => {
    const ssh = await explain('--src', '203.0.113.9', '--dst', '10.0.0.1', '--to-gateway', '--dport', '22');
    expect(ssh.stdout).toContain('input:   allow by FirewallPolicy rule base/input.rules[0]');
    expect(ssh.stdout).toContain('verdict: ALLOW (delivered to the gateway)');
    const other = await explain('--src', '203.0.113.9', '--dst', '10.0.0.1', '--to-gateway', '--dport', '25');
    expect(other.stdout).toContain('input:   deny by FirewallPolicy the input default action');
  });

  it('prints JSON with -o json', async () => {
    const run = await explain('--src', '10.0.0.8', '--dst', '1.1.1.1', '--proto', 'icmp', '-o', 'json');
    expect(JSON.parse(run.stdout)).toMatchObject({
      chain: 'forward',
      filter: { action: 'allow', filteredBy: 'FirewallPolicy' },
      snat: { translated: true, by: 'SourceNat' },
    });
  });

  it.each([
    [['--src', '10.0.0.300', '--dst', '1.1.1.1', '--dport', '1'], /10.0.0.300 is not an IPv4 address/],
    [['--src', '10.0.0.1', '--dst', '1.1.1.1'], /--dport: a port 1-65535 is needed for tcp/],
    [['--src', '10.0.0.1', '--dst', '1.1.1.1', '--proto', 'gre'], /--proto: gre is not tcp, udp or icmp/],
  ])('refuses a malformed packet %j', async (argv, message) => {
    const run = await explain(...argv);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(message);
  });
});

describe('csgw explain from SSM', () => {
  let ssm: EmbeddedSsmHandle;
  beforeAll(async () => {
    ssm = await startEmbeddedSsm({ dataDir: join(tmp, 'ssm') });
  });
  afterAll(async () => {
    await ssm.close();
  });

  it('reads the specs a gateway stores and explains the same way', async () => {
    const ssmArgs = ['--endpoint-url', ssm.url, '--prefix', '/csgw-explain'];
    const applied = await runCsgw([...ssmArgs, 'apply', '-f', file], { env: { HOME: tmp } });
    expect(applied.code).toBe(0);
    const run = await runCsgw(
      [...ssmArgs, 'explain', '--src', '10.0.0.8', '--dst', '93.184.216.34', '--dport', '443'],
      { env: { HOME: tmp } },
    );
    expect(run.stdout).toContain('forward: deny by FirewallPolicy rule base/rules[1] "no example.com"');
  });
});
