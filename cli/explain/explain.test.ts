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

const FILTERS = `
kind: DomainFilter
name: corp-deny
spec: { mode: deny, domains: [.bad.example, ads.example.net] }
---
kind: DomainFilter
name: corp-allow
spec: { mode: allow, domains: [.good.example, www.bad.example] }
`;

/** IntrusionPrevention variants (one per gateway): each file is read after MANIFESTS and FILTERS. */
const IPS = {
  deny: `
kind: IntrusionPrevention
name: default
spec:
  inspect: [{ sources: [10.0.0.0/16], protocol: tcp, ports: [80, 443] }]
  domainFilters: [corp-deny]
`,
  allow: `
kind: IntrusionPrevention
name: default
spec: { failureMode: failClosed, domainFilters: [corp-deny, corp-allow] }
`,
  detect: `
kind: IntrusionPrevention
name: default
spec: { mode: detect, domainFilters: [corp-deny] }
`,
  missing: `
kind: IntrusionPrevention
name: default
spec: { domainFilters: [corp-deny, nowhere] }
`,
};

let tmp: string;
let file: string;
let filters: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-explain-'));
  file = join(tmp, 'gateway.yaml');
  filters = join(tmp, 'filters.yaml');
  await writeFile(file, MANIFESTS);
  await writeFile(filters, FILTERS);
  for (const [variant, text] of Object.entries(IPS)) await writeFile(join(tmp, `ips-${variant}.yaml`), text);
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
    expect(tcp.stdout).toContain('dnat:    to 10.0.1.5:80 by PortForward/web spec.rules[0] (map any_port)');
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

describe('csgw explain: the IPS step', () => {
  const withIps = (variant: keyof typeof IPS, ...argv: string[]): Promise<CliRun> =>
    explain('-f', filters, '-f', join(tmp, `ips-${variant}.yaml`), ...argv);
  const allowed = ['--src', '10.0.0.7', '--dst', '93.184.216.34', '--dport', '443'];

  it('drops a denied TLS SNI in prevent mode, after the forward filter and before source NAT', async () => {
    const run = await withIps('deny', ...allowed, '--sni', 'WWW.bad.example');
    expect(run.stdout).toBe(
      [
        'packet:  tcp 10.0.0.7 -> 93.184.216.34:443',
        'dnat:    none: 93.184.216.34 is not an address of the gateway',
        'forward: allow by FirewallPolicy rule base/rules[0] (set lookup f0)',
        'ips:     inspected by Suricata (prevent, fail open); tls.sni www.bad.example: drop by DomainFilter corp-deny .bad.example (sid 9900000)',
        'snat:    masquerade when leaving by <default route interface> (SourceNat)',
        'verdict: DENY (dropped by the IPS: DomainFilter corp-deny .bad.example)',
        '',
      ].join('\n'),
    );
    expect(run.stderr).not.toMatch(/IntrusionPrevention|DomainFilter/);
    expect(run.code).toBe(0);
  });

  it('passes a name no deny pattern matches, and says so without a name', async () => {
    const good = await withIps('deny', ...allowed, '--sni', 'www.example.org');
    expect(good.stdout).toContain('tls.sni www.example.org: pass, no deny pattern matches\n');
    expect(good.stdout).toContain('verdict: ALLOW (forwarded to 93.184.216.34:443)');
    const plain = await withIps('deny', ...allowed);
    expect(plain.stdout).toContain('ips:     inspected by Suricata (prevent, fail open)\n');
  });

  it('checks the HTTP Host with --host, by the http rules', async () => {
    const argv = ['--src', '10.0.0.9', '--dst', '198.51.100.10', '--dport', '80', '--host', 'ads.example.net'];
    const run = await withIps('deny', ...argv);
    // Two rules per deny pattern (the name and its fully qualified twin), patterns sorted, tls first, then http.
    expect(run.stdout).toContain(
      'ips:     inspected by Suricata (prevent, fail open); http.host ads.example.net: drop by DomainFilter corp-deny ads.example.net (sid 9900006)',
    );
    expect(run.stdout).toContain('verdict: DENY (dropped by the IPS: DomainFilter corp-deny ads.example.net)');
  });

  it('does not inspect a connection no spec.inspect entry selects', async () => {
    const port = await withIps(
      'deny',
      '--src',
      '10.0.0.9',
      '--dst',
      '198.51.100.10',
      '--dport',
      '8443',
      '--sni',
      'www.bad.example',
    );
    expect(port.stdout).toContain('ips:     not inspected: matches no spec.inspect entry\n');
    expect(port.stdout).toContain('verdict: ALLOW (forwarded to 198.51.100.10:8443)');
    // Forwarded by a PortForward: the IPS sees the translated packet, from a source outside spec.inspect.
    const forwarded = await withIps(
      'deny',
      '--src',
      '203.0.113.9',
      '--dst',
      '10.0.0.1',
      '--to-gateway',
      '--dport',
      '8080',
    );
    expect(forwarded.stdout).toContain('ips:     not inspected: matches no spec.inspect entry\n');
  });

  it('passes names under an allow list, drops the rest, and a deny pattern still wins', async () => {
    const names = async (name: string): Promise<string> => (await withIps('allow', ...allowed, '--sni', name)).stdout;
    expect(await names('shop.good.example')).toMatch(
      /ips: +inspected by Suricata \(prevent, fail closed\); tls\.sni shop\.good\.example: pass, allowed by DomainFilter corp-allow \.good\.example \(sid \d+\)\nsnat:.*\nverdict: ALLOW/,
    );
    const other = await names('www.example.org');
    expect(other).toMatch(/tls\.sni www\.example\.org: drop, not on any allow list \(sid \d+\)\n/);
    expect(other).toContain('verdict: DENY (dropped by the IPS: not on any allow list)');
    expect(await names('www.bad.example')).toContain('drop by DomainFilter corp-deny .bad.example (sid 9900000)');
  });

  it('only alerts in detect mode', async () => {
    const run = await withIps('detect', ...allowed, '--sni', 'www.bad.example');
    expect(run.stdout).toContain(
      'ips:     inspected by Suricata (detect, fail open); tls.sni www.bad.example: would drop by DomainFilter corp-deny .bad.example (sid 9900000), but detect mode only alerts',
    );
    expect(run.stdout).toContain('verdict: ALLOW (forwarded to 93.184.216.34:443)');
  });

  it('says when there is no IntrusionPrevention, or when the gateway rejects it', async () => {
    const none = await explain(...allowed, '--sni', 'www.bad.example');
    expect(none.stdout).toContain('ips:     none: no IntrusionPrevention resource\n');
    const rejected = await withIps('missing', ...allowed, '--sni', 'www.bad.example');
    expect(rejected.stdout).toContain('ips:     unknown: IntrusionPrevention is rejected');
    expect(rejected.stderr).toContain(
      'warning: IntrusionPrevention/default generation 1 is rejected: spec.domainFilters: DomainFilter nowhere does not exist',
    );
  });

  it('has no IPS step for a connection the firewall drops', async () => {
    const run = await withIps(
      'deny',
      '--src',
      '10.0.0.8',
      '--dst',
      '93.184.216.34',
      '--dport',
      '443',
      '--sni',
      'www.bad.example',
    );
    expect(run.stdout).not.toContain('ips:');
    expect(run.stdout).toContain('verdict: DENY (dropped)\n');
  });

  it('prints the IPS step as an object with -o json', async () => {
    const run = await withIps('deny', ...allowed, '--sni', 'www.bad.example', '-o', 'json');
    expect(JSON.parse(run.stdout)).toMatchObject({
      packet: { domain: { field: 'tls.sni', name: 'www.bad.example' } },
      ips: {
        status: 'inspected',
        mode: 'prevent',
        failureMode: 'failOpen',
        inspectEntry: 0,
        dropped: true,
        domain: {
          field: 'tls.sni',
          name: 'www.bad.example',
          action: 'drop',
          sid: 9900000,
          filter: 'corp-deny',
          pattern: '.bad.example',
        },
      },
    });
  });

  it.each([
    [
      ['--sni', 'www bad.example'],
      '--sni: "www bad.example" is not a host name: it holds spaces or control characters',
    ],
    [['--host', 'a"b.example'], '--host: "a\\"b.example" is not a domain name'],
    [['--sni', 'www.bad.example\nalert'], '--sni: "www.bad.example\\nalert" is not a host name'],
    [['--sni', '.bad.example'], '--sni: ".bad.example" is a pattern, not a host name'],
    [['--sni', 'a.example', '--host', 'a.example'], '--sni and --host exclude each other'],
  ])('refuses %j', async (argv, message) => {
    const run = await withIps('deny', ...allowed, ...argv);
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
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
