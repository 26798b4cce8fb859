import { describe, expect, it } from '@jest/globals';
import { parseHttpRr, parsePing } from './latency-probe.js';
import { parseCurlDownload } from './http-bulk.js';

describe('parsePing', () => {
  it('reads every reply time and the loss from the summary', () => {
    const out = [
      'PING 10.1.0.3 (10.1.0.3) 56(84) bytes of data.',
      '64 bytes from 10.1.0.3: icmp_seq=1 ttl=63 time=0.210 ms',
      '64 bytes from 10.1.0.3: icmp_seq=2 ttl=63 time=0.100 ms',
      '64 bytes from 10.1.0.3: icmp_seq=4 ttl=63 time=4.05 ms',
      '',
      '--- 10.1.0.3 ping statistics ---',
      '4 packets transmitted, 3 received, 25% packet loss, time 31ms',
    ].join('\n');
    const r = parsePing(out);
    expect(r).toMatchObject({ sent: 4, lost: 1 });
    expect(r.rtt).toMatchObject({ n: 3, min: 0.1, p50: 0.21, max: 4.05 });
  });

  it('refuses output without a summary (ping did not run)', () => {
    expect(() => parsePing('ping: unknown host')).toThrow(/no summary/);
  });
});

describe('parseHttpRr', () => {
  it('drops the warm-up round trips', () => {
    const r = parseHttpRr(JSON.stringify([9, 9, 0.3, 0.1, 0.2]), 5, 2);
    expect(r).toMatchObject({ sent: 5, lost: 0, rtt: { n: 3, p50: 0.2, max: 0.3 } });
  });

  it('counts the requests that never completed after an error', () => {
    const r = parseHttpRr(JSON.stringify({ error: 'ECONNRESET', done: 3 }), 10, 2);
    expect(r).toMatchObject({ sent: 10, lost: 7 });
    expect(r.rtt.n).toBe(0);
  });
});

describe('parseCurlDownload', () => {
  it('reads bytes and time, also of a download cut short', () => {
    expect(parseCurlDownload('500000000 4.000000 200')).toEqual({ bytes: 500000000, seconds: 4 });
  });

  it('refuses a failed request', () => {
    expect(() => parseCurlDownload('0 0.001 000')).toThrow(/failed/);
    expect(() => parseCurlDownload('120 0.01 404')).toThrow(/failed/);
  });
});
