import { describe, expect, it } from '@jest/globals';
import { parseEveLine } from './eve-parse.js';
import { ALERT_ALLOWED_TLS, ALERT_DROP, ALERT_ICMP, DROP, FLOW, STATS } from './testdata/eve-records.js';

const parse = (record: unknown): ReturnType<typeof parseEveLine> => parseEveLine(JSON.stringify(record));

describe('parseEveLine: alerts', () => {
  it('keeps only the listed fields of a blocked HTTP alert, as a drop', () => {
    expect(parse(ALERT_DROP)).toEqual({
      kind: 'alert',
      alert: {
        sid: 1000001,
        rev: 3,
        gid: 1,
        msg: 'LOCAL block admin path',
        action: 'drop',
        category: 'Attempted Administrator Privilege Gain',
        srcIp: '10.0.0.5',
        srcPort: 51514,
        destIp: '10.1.0.9',
        destPort: 80,
        proto: 'TCP',
        appProto: 'http',
        timestamp: '2026-12-07T04:30:01.123456+0000',
      },
    });
  });

  it('carries no payload, URL, host name, user agent or certificate', () => {
    for (const record of [ALERT_DROP, ALERT_ALLOWED_TLS]) {
      const text = JSON.stringify(parse(record));
      for (const secret of ['SECRET', 'admin?', 'R0VU', 'curl', 'intranet', 'secret.example', 'MIIB', 'flow_id']) {
        expect(text).not.toContain(secret);
      }
    }
  });

  it('maps an allowed alert to action alert, IPv6 addresses kept as written', () => {
    expect(parse(ALERT_ALLOWED_TLS)).toMatchObject({
      kind: 'alert',
      alert: { sid: 2000002, action: 'alert', srcIp: '2001:db8::5', destIp: '2001:db8:1::9', appProto: 'tls' },
    });
  });

  it('leaves optional fields out rather than undefined (ICMP: no ports, no rev, gid or category)', () => {
    const record = parse(ALERT_ICMP);
    expect(record).toEqual({
      kind: 'alert',
      alert: {
        sid: 3000003,
        msg: 'LOCAL ping',
        action: 'alert',
        srcIp: '10.0.0.7',
        destIp: '10.1.0.1',
        proto: 'ICMP',
        timestamp: '2026-12-07T04:30:03.000000+0000',
      },
    });
    expect(Object.keys(record.kind === 'alert' ? record.alert : {})).not.toContain('srcPort');
  });

  it('removes control characters from the msg and bounds its length', () => {
    const msg = `evil\u001b[31m\nline\u0000${'x'.repeat(1000)}`;
    const record = parse({ ...ALERT_ICMP, alert: { ...ALERT_ICMP.alert, signature: msg } });
    expect(record.kind).toBe('alert');
    const parsed = record.kind === 'alert' ? record.alert.msg : '';
    expect(parsed).toMatch(/^evil \[31m line /);
    expect([...parsed].filter((c) => c.charCodeAt(0) < 0x20)).toEqual([]);
    expect(parsed.length).toBe(256);
  });

  it('drops an out-of-range port but keeps the alert', () => {
    const record = parse({ ...ALERT_DROP, src_port: 70000, dest_port: -1 });
    expect(record).toMatchObject({ kind: 'alert', alert: { sid: 1000001 } });
    expect(record.kind === 'alert' && 'srcPort' in record.alert).toBe(false);
    expect(record.kind === 'alert' && 'destPort' in record.alert).toBe(false);
  });

  it.each([
    ['no alert object', { ...ALERT_DROP, alert: undefined }],
    ['no sid', { ...ALERT_DROP, alert: { ...ALERT_DROP.alert, signature_id: undefined } }],
    ['a string sid', { ...ALERT_DROP, alert: { ...ALERT_DROP.alert, signature_id: '1000001' } }],
    ['a fractional sid', { ...ALERT_DROP, alert: { ...ALERT_DROP.alert, signature_id: 1.5 } }],
    ['an unknown action', { ...ALERT_DROP, alert: { ...ALERT_DROP.alert, action: 'pass' } }],
    ['no msg', { ...ALERT_DROP, alert: { ...ALERT_DROP.alert, signature: '' } }],
    ['no source address', { ...ALERT_DROP, src_ip: undefined }],
    ['no destination address', { ...ALERT_DROP, dest_ip: 42 }],
    ['no proto', { ...ALERT_DROP, proto: undefined }],
    ['no timestamp', { ...ALERT_DROP, timestamp: undefined }],
  ])('counts an alert with %s as malformed', (_name, record) => {
    expect(parse(record)).toEqual({ kind: 'malformed' });
  });
});

describe('parseEveLine: other records', () => {
  it('recognises drop records', () => {
    expect(parse(DROP)).toEqual({ kind: 'drop' });
  });

  it('ignores other event types and blank lines', () => {
    expect(parse(FLOW)).toEqual({ kind: 'other' });
    expect(parse({ event_type: 'anomaly' })).toEqual({ kind: 'other' });
    expect(parseEveLine('')).toEqual({ kind: 'other' });
    expect(parseEveLine('   ')).toEqual({ kind: 'other' });
  });

  it.each(['garbage', '{"event_type":"alert"', '[1,2]', 'null', '42', '{"no_event_type":1}', '{"event_type":7}'])(
    'counts %j as malformed',
    (text) => {
      expect(parseEveLine(text)).toEqual({ kind: 'malformed' });
    },
  );

  it('reads the Suricata 7 counters of a stats record', () => {
    expect(parse(STATS)).toEqual({
      kind: 'stats',
      stats: {
        timestamp: '2026-12-07T04:30:08.000312+0000',
        decoderPkts: 12004,
        decoderBytes: 9870012,
        ipsAccepted: 11990,
        ipsBlocked: 12,
        ipsRejected: 1,
        ipsReplaced: 0,
        bypassedLocalPkts: 700,
        bypassedLocalBytes: 650000,
        bypassedCapturePkts: 40,
        bypassedCaptureBytes: 5000,
        bypassedFlowsClosed: 3,
        detectAlerts: 37,
        alertQueueOverflow: 0,
        alertsSuppressed: 4,
        rulesLoaded: 31000,
        rulesFailed: 2,
        rulesSkipped: 5,
        lastReload: '2026-12-07T04:29:00.000000+0000',
      },
    });
  });

  it('tolerates missing and odd counters, summing rules over detection engines', () => {
    const record = parse({
      event_type: 'stats',
      stats: {
        decoder: { pkts: 5, bytes: 'many' },
        ips: null,
        detect: { engines: [{ id: 0, rules_loaded: 10, rules_failed: 1 }, { id: 1, rules_loaded: 7 }, 'junk'] },
      },
    });
    expect(record).toEqual({ kind: 'stats', stats: { decoderPkts: 5, rulesLoaded: 17, rulesFailed: 1 } });
    expect(parse({ event_type: 'stats', stats: {} })).toEqual({ kind: 'stats', stats: {} });
  });

  it('counts a stats record without a stats object as malformed', () => {
    expect(parse({ event_type: 'stats', stats: [1] })).toEqual({ kind: 'malformed' });
  });
});
