import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { FULL_FRONTEND, HAPROXY_FIXTURES } from './fixtures.js';
import { renderHaproxy } from './render.js';

const golden = (name: string): string => new URL(`./testdata/${name}.cfg`, import.meta.url).pathname;
// UPDATE_GOLDEN=1 rewrites the expected files from the renderer (then review the diff).
const update = process.env.UPDATE_GOLDEN === '1';

describe('renderHaproxy', () => {
  it.each(Object.keys(HAPROXY_FIXTURES))('renders the %s fixture as its golden haproxy.cfg', (name) => {
    const [file] = renderHaproxy(HAPROXY_FIXTURES[name]!);
    if (update) writeFileSync(golden(name), file!.content);
    expect(file).toMatchObject({ name: 'haproxy.cfg', mode: 0o644 });
    expect(file!.content).toBe(readFileSync(golden(name), 'utf8'));
  });

  it('routes on the Host header in HTTP mode and on the server name in TCP mode', () => {
    const http = renderHaproxy({ adminSocket: '/run/a.sock', frontends: [FULL_FRONTEND] })[0]!.content;
    expect(http).toContain('acl route0 var(txn.host) -m str api.example.com\n');
    expect(http).toContain("acl route0 var(txn.host) -m reg '^[a-z0-9-]+\\.api\\.example\\.net$'\n");
    const tcp = renderHaproxy({ adminSocket: '/run/a.sock', frontends: [{ ...FULL_FRONTEND, mode: 'tcp' }] })[0]!
      .content;
    expect(tcp).toContain('acl route0 ssl_fc_sni,lower -m str api.example.com\n');
    expect(tcp).not.toContain('X-Forwarded-Proto');
    expect(tcp).not.toContain('timeout tunnel');
  });

  it('keeps a non-default https port in the redirect, and leaves 443 out', () => {
    const at = (httpsPort: number): string =>
      renderHaproxy({ adminSocket: '/run/a.sock', frontends: [{ ...FULL_FRONTEND, httpsPort }] })[0]!.content;
    expect(at(443)).toContain('location https://%[req.hdr(host),field(1,:)]%[capture.req.uri]\n');
    expect(at(8443)).toContain('location https://%[req.hdr(host),field(1,:)]:8443%[capture.req.uri]\n');
  });

  it('has no redirect listener without a redirect port, and sends PROXY v1 when asked', () => {
    const cfg = renderHaproxy({
      adminSocket: '/run/a.sock',
      frontends: [{ ...FULL_FRONTEND, redirectPort: undefined, proxyProtocol: 'v1' }],
    })[0]!.content;
    expect(cfg).not.toContain('frontend t0_http\n');
    expect(cfg).toContain('server s0 10.0.1.10:8080 check inter 5s send-proxy\n');
  });

  it('renders no frontend for an empty model, but a valid global section', () => {
    const cfg = renderHaproxy({ adminSocket: '/run/a.sock', frontends: [] })[0]!.content;
    expect(cfg).toContain('stats socket /run/a.sock mode 600 level admin');
    expect(cfg).not.toContain('frontend');
  });
});
