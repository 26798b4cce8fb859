import { describe, expect, it } from '@jest/globals';
import { parse } from 'yaml';
import { fullModel } from './fixtures.js';
import type { SuricataModel } from './model.js';
import { renderSuricata } from './render.js';

const base = fullModel();

function file(model: SuricataModel, name: string): string {
  const found = renderSuricata(model).files.find((f) => f.name === name);
  if (!found) throw new Error(`no ${name}`);
  return found.content;
}

function yamlOf(model: SuricataModel): Record<string, unknown> {
  return parse(file(model, 'suricata.yaml')) as Record<string, unknown>;
}

describe('renderSuricata files', () => {
  it('renders the yaml, the rule files in the order it names them, and threshold.config', () => {
    const { files } = renderSuricata(base);
    expect(files.map((f) => [f.name, f.mode])).toEqual([
      ['suricata.yaml', 0o644],
      ['pkg-http-events.rules', 0o644],
      ['local.rules', 0o644],
      ['domains.rules', 0o644],
      ['threshold.config', 0o644],
    ]);
    expect(yamlOf(base)['rule-files']).toEqual(['pkg-http-events.rules', 'local.rules', 'domains.rules']);
    expect(file(base, 'threshold.config')).toBe(
      'threshold gen_id 1, sig_id 1000002, type limit, track by_src, count 1, seconds 60\n',
    );
  });

  it('writes a Suricata 7 yaml with every setting in place', () => {
    const text = file(base, 'suricata.yaml');
    expect(text.startsWith('%YAML 1.1\n---\n')).toBe(true);
    const yaml = yamlOf(base);
    expect(yaml).toMatchObject({
      vars: {
        'address-groups': { HOME_NET: '[10.0.0.0/16,10.1.0.0/16]', EXTERNAL_NET: '!$HOME_NET' },
        'port-groups': { HTTP_PORTS: '80', FILE_DATA_PORTS: '[$HTTP_PORTS,110,143]' },
      },
      'default-rule-path': '/var/lib/csgw/suricata/revisions/r1',
      'classification-file': '/etc/suricata/classification.config',
      'reference-config-file': '/etc/suricata/reference.config',
      'threshold-file': '/var/lib/csgw/suricata/revisions/r1/threshold.config',
      'action-order': ['pass', 'alert', 'drop', 'reject'],
      'default-log-dir': '/var/log/csgw/suricata',
      stats: { enabled: true, interval: 30 },
      'unix-command': { enabled: true, filename: '/run/csgw/suricata/suricata.socket' },
      runmode: 'workers',
      'host-mode': 'router',
      nfq: { mode: 'accept', 'fail-open': false },
      'exception-policy': 'auto',
      stream: { midstream: true, 'checksum-validation': false, inline: 'auto' },
      detect: { profile: 'medium' },
    });
    expect(yaml).not.toHaveProperty('pid-file');
    const eve = (yaml.outputs as Record<string, { filename: string; types: object[] }>[])[0]!['eve-log']!;
    expect(eve.filename).toBe('/var/log/csgw/suricata/eve.json');
    expect(eve.types).toEqual([
      {
        alert: expect.objectContaining({ payload: false, packet: false, metadata: false, 'http-body': false }),
      },
      { drop: { alerts: true, flows: 'start' } },
      { stats: { totals: true, threads: false, deltas: false } },
    ]);
  });

  it('fails open when asked: nfq fail-open and exception-policy ignore', () => {
    expect(yamlOf({ ...base, failOpen: true })).toMatchObject({
      nfq: { 'fail-open': true },
      'exception-policy': 'ignore',
    });
  });

  it('defines every variable a rule may name', () => {
    const vars = yamlOf(base).vars as Record<string, Record<string, string>>;
    expect(Object.keys(vars['address-groups']!)).toEqual(
      expect.arrayContaining(['HOME_NET', 'DNS_SERVERS', 'DC_SERVERS']),
    );
    expect(Object.keys(vars['port-groups']!)).toEqual(expect.arrayContaining(['SSH_PORTS', 'GENEVE_PORTS']));
  });

  it('writes local rules under their source, and domain rules', () => {
    expect(file(base, 'local.rules')).toBe(
      '# spec.rules[0]\n' +
        'drop tcp $HOME_NET any -> any 23 (msg:"telnet out"; sid:1000001; rev:1;)\n' +
        '# RuleSet web/rules line 2\n' +
        'alert http any any -> any any (msg:"curl"; http.user_agent; content:"curl"; sid:1000002;)\n',
    );
    expect(file(base, 'domains.rules').split('\n')).toHaveLength(9);
    expect(file({ ...base, domains: undefined }, 'domains.rules')).toBe('');
    expect(file({ ...base, localRules: [] }, 'local.rules')).toBe('');
  });
});

describe('renderSuricata rule switches and modes', () => {
  it('counts active rules over all files', () => {
    // 2 packaged (one commented out), 2 local, 8 domain rules (a deny pattern has a fully-qualified twin).
    expect(renderSuricata(base).ruleCount).toBe(12);
  });

  it('disables and enables by sid in packaged and local rules alike', () => {
    const model = { ...base, disabledSids: [2221000, 1000001], enabledSids: [2221001] };
    const pkg = file(model, 'pkg-http-events.rules');
    expect(pkg).toContain('\n# alert http any any -> any any (msg:"SURICATA HTTP unknown error";');
    expect(pkg).toContain('\ndrop http any any -> any any (msg:"SURICATA HTTP gzip decompression failed";');
    expect(file(model, 'local.rules')).toContain('\n# drop tcp $HOME_NET any -> any 23 (msg:"telnet out";');
    expect(renderSuricata(model).ruleCount).toBe(11);
  });

  it('turns every drop into alert in detect mode, in every rule file, and nothing else', () => {
    const prevent = renderSuricata(base).files;
    const detect = renderSuricata({ ...base, mode: 'detect' }).files;
    for (const [i, f] of detect.entries()) {
      const before = prevent[i]!.content;
      expect(f.content).toBe(f.name.endsWith('.rules') ? before.replace(/^drop /gm, 'alert ') : before);
      if (f.name.endsWith('.rules')) expect(f.content).not.toMatch(/^(drop|reject)/m);
    }
    expect(detect.filter((f) => /^drop /m.test(prevent.find((p) => p.name === f.name)!.content))).toHaveLength(3);
  });
});

describe('renderSuricata flow bypass', () => {
  it('renders no bypass keys unless asked', () => {
    const yaml = yamlOf(base) as { nfq: object; stream: object; 'app-layer': { protocols: { tls: object } } };
    expect(yaml.nfq).not.toHaveProperty('bypass-mark');
    expect(yaml.stream).not.toHaveProperty('bypass');
    expect(yaml['app-layer'].protocols.tls).not.toHaveProperty('encryption-handling');
  });

  it('marks bypassed flows, past the reassembly depth and after a TLS handshake', () => {
    const model = { ...base, bypass: { mark: 0x20000000, encrypted: true, afterBytes: 1048576 } };
    expect(yamlOf(model)).toMatchObject({
      nfq: { 'bypass-mark': 0x20000000, 'bypass-mask': 0x20000000 },
      stream: { bypass: true, reassembly: { depth: 1048576 } },
      'app-layer': { protocols: { tls: { 'encryption-handling': 'bypass' } } },
    });
    const tlsOnly = yamlOf({ ...base, bypass: { mark: 0x20000000, encrypted: true } });
    expect(tlsOnly.stream).not.toHaveProperty('bypass');
  });

  it.each([
    [{ mark: 0, encrypted: true }, /bypass.mark/],
    [{ mark: 1, encrypted: false, afterBytes: 10 }, /bypass.afterBytes/],
  ])('refuses %j', (bypass, message) => {
    expect(() => renderSuricata({ ...base, bypass })).toThrow(message);
  });
});

describe('renderSuricata restartKey', () => {
  const key = renderSuricata(base).restartKey;

  it.each<[string, Partial<SuricataModel>]>([
    ['rules and switches', { localRules: [], domains: undefined, disabledSids: [1], enabledSids: [2] }],
    ['the mode', { mode: 'detect' }],
    ['thresholds', { thresholds: [] }],
    ['HOME_NET (reload re-reads vars)', { homeNets: ['192.168.0.0/16'] }],
    ['the revision directory', { revisionDir: '/var/lib/csgw/suricata/revisions/r2' }],
    ['packaged rule files', { packagedRules: [] }],
  ])('ignores %s', (_, change) => {
    expect(renderSuricata({ ...base, ...change }).restartKey).toBe(key);
  });

  it.each<[string, Partial<SuricataModel>]>([
    ['the first queue', { queues: { first: 11, count: 2 } }],
    ['the queue count', { queues: { first: 10, count: 3 } }],
    ['fail-open', { failOpen: true }],
    ['the log directory', { logDir: '/var/log/other' }],
    ['the run directory', { runDir: '/run/other' }],
    ['the stats interval', { statsIntervalSeconds: 10 }],
    ['the flow bypass', { bypass: { mark: 0x20000000, encrypted: true } }],
  ])('changes with %s', (_, change) => {
    expect(renderSuricata({ ...base, ...change }).restartKey).not.toBe(key);
  });
});
