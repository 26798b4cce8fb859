/** eve.json records shaped as Suricata 7 writes them (NFQUEUE IPS mode), for the unit tests. */

export const ALERT_DROP = {
  timestamp: '2026-12-07T04:30:01.123456+0000',
  flow_id: 1234567890123456,
  in_iface: 'nfq',
  event_type: 'alert',
  src_ip: '10.0.0.5',
  src_port: 51514,
  dest_ip: '10.1.0.9',
  dest_port: 80,
  proto: 'TCP',
  pkt_src: 'wire/pcap',
  tx_id: 0,
  alert: {
    action: 'blocked',
    gid: 1,
    signature_id: 1000001,
    rev: 3,
    signature: 'LOCAL block admin path',
    category: 'Attempted Administrator Privilege Gain',
    severity: 1,
    metadata: { created_at: ['2026_01_01'] },
  },
  http: {
    hostname: 'intranet.example',
    url: '/admin?token=SECRET-TOKEN',
    http_user_agent: 'curl/8.5.0',
    http_method: 'GET',
    protocol: 'HTTP/1.1',
    length: 0,
  },
  app_proto: 'http',
  direction: 'to_server',
  flow: { pkts_toserver: 4, pkts_toclient: 1, bytes_toserver: 380, bytes_toclient: 74, start: '2026-12-07T04:30:01.1+0000' },
  payload: 'R0VUIC9hZG1pbj90b2tlbj1TRUNSRVQtVE9LRU4=',
  payload_printable: 'GET /admin?token=SECRET-TOKEN',
  packet: 'RQAAPAAAQABABgAAwKgAAcCoAAI=',
};

export const ALERT_ALLOWED_TLS = {
  timestamp: '2026-12-07T04:30:02.000001+0000',
  event_type: 'alert',
  src_ip: '2001:db8::5',
  src_port: 40000,
  dest_ip: '2001:db8:1::9',
  dest_port: 443,
  proto: 'TCP',
  alert: { action: 'allowed', gid: 1, signature_id: 2000002, rev: 1, signature: 'ET POLICY odd TLS SNI', severity: 3 },
  tls: {
    subject: 'CN=secret.example',
    sni: 'secret.example',
    certificate: 'MIIBszCCAVmgAwIBAgIU',
    fingerprint: 'aa:bb',
  },
  app_proto: 'tls',
};

export const ALERT_ICMP = {
  timestamp: '2026-12-07T04:30:03.000000+0000',
  event_type: 'alert',
  src_ip: '10.0.0.7',
  dest_ip: '10.1.0.1',
  proto: 'ICMP',
  icmp_type: 8,
  icmp_code: 0,
  alert: { action: 'allowed', signature_id: 3000003, signature: 'LOCAL ping' },
};

export const DROP = {
  timestamp: '2026-12-07T04:30:01.123500+0000',
  event_type: 'drop',
  src_ip: '10.0.0.5',
  src_port: 51514,
  dest_ip: '10.1.0.9',
  dest_port: 80,
  proto: 'TCP',
  drop: { len: 60, tos: 0, ttl: 64, ipid: 1, syn: true },
};

export const FLOW = { timestamp: '2026-12-07T04:30:04+0000', event_type: 'flow', src_ip: '10.0.0.5', proto: 'UDP' };

export const STATS = {
  timestamp: '2026-12-07T04:30:08.000312+0000',
  event_type: 'stats',
  stats: {
    uptime: 68,
    capture: { kernel_packets: 0 },
    decoder: { pkts: 12004, bytes: 9870012, invalid: 0, ipv4: 12000, tcp: 11000 },
    ips: { accepted: 11990, blocked: 12, rejected: 1, replaced: 0 },
    flow_bypassed: { local_pkts: 700, local_bytes: 650000, local_capture_pkts: 0, local_capture_bytes: 0, closed: 3, pkts: 40, bytes: 5000 },
    detect: {
      engines: [{ id: 0, last_reload: '2026-12-07T04:29:00.000000+0000', rules_loaded: 31000, rules_failed: 2, rules_skipped: 5 }],
      alert: 37,
      alert_queue_overflow: 0,
      alerts_suppressed: 4,
    },
  },
};

export const line = (record: unknown): string => `${JSON.stringify(record)}\n`;
