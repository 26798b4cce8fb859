import type { SuricataModel } from './model.js';

/** A model with something in every list: packaged rules (one commented out), local rules, domains, thresholds. */
export function fullModel(root = '/var/lib/csgw/suricata'): SuricataModel {
  return {
    mode: 'prevent',
    failOpen: false,
    queues: { first: 10, count: 2 },
    homeNets: ['10.0.0.0/16', '10.1.0.0/16'],
    revisionDir: `${root}/revisions/r1`,
    runDir: '/run/csgw/suricata',
    logDir: '/var/log/csgw/suricata',
    packagedRules: [
      {
        name: 'http-events.rules',
        content:
          '# HTTP events\n' +
          'alert http any any -> any any (msg:"SURICATA HTTP unknown error"; flow:established; app-layer-event:http.unknown_error; sid:2221000; rev:1;)\n' +
          '# drop http any any -> any any (msg:"SURICATA HTTP gzip decompression failed"; flow:established; app-layer-event:http.gzip_decompression_failed; sid:2221001; rev:1;)\n' +
          'drop http any any -> any any (msg:"SURICATA HTTP request field too long"; flow:established,to_server; app-layer-event:http.request_field_too_long; sid:2221002; rev:1;)',
      },
    ],
    classificationFile: '/etc/suricata/classification.config',
    referenceFile: '/etc/suricata/reference.config',
    localRules: [
      { source: 'spec.rules[0]', text: 'drop tcp $HOME_NET any -> any 23 (msg:"telnet out"; sid:1000001; rev:1;)' },
      {
        source: 'RuleSet web/rules line 2',
        text: 'alert http any any -> any any (msg:"curl"; http.user_agent; content:"curl"; sid:1000002;)',
      },
    ],
    domains: {
      deny: [{ pattern: { match: 'suffix', domain: 'bad.example' }, filter: 'corp-deny' }],
      allow: [{ pattern: { match: 'exact', domain: 'good.example' }, filter: 'corp-allow' }],
      dns: false,
    },
    disabledSids: [],
    enabledSids: [],
    thresholds: [{ kind: 'threshold', sid: 1000002, type: 'limit', track: 'by_src', count: 1, seconds: 60 }],
    statsIntervalSeconds: 30,
  };
}
