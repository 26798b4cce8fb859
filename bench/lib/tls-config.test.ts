import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { makeCertificate, renderBenchHaproxy, tlsTerminationSpec, TLS_SERVERNAME, type PemPair } from './tls-config.js';

let dir: string;
let pem: PemPair;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-tls-config-test-'));
  pem = await makeCertificate(dir);
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('makeCertificate', () => {
  it('makes an RSA 2048 certificate for the test name whose key matches', async () => {
    const cert = new X509Certificate(await readFile(pem.certFile));
    const key = createPrivateKey(await readFile(pem.keyFile));
    expect(cert.subjectAltName).toBe(`DNS:${TLS_SERVERNAME}`);
    expect(cert.checkPrivateKey(key)).toBe(true);
    expect(key.asymmetricKeyDetails?.modulusLength).toBe(2048);
  });
});

describe('renderBenchHaproxy: the TlsTermination controller renders the benchmark HAProxy', () => {
  const spec = tlsTerminationSpec({ address: '10.77.0.1', httpsPort: 8443 }, { address: '10.78.1.2', port: 8081 });

  it('binds TLS on the listen address with the certificate file, and proxies to the one backend server', async () => {
    const out = await renderBenchHaproxy(spec, pem, join(dir, 'a'));
    expect(out.config).toContain(
      `bind 10.77.0.1:8443 ssl crt ${out.certificateFile} alpn h2,http/1.1 ssl-min-ver TLSv1.2`,
    );
    expect(out.config).toMatch(/^\s+server s0 10\.78\.1\.2:8081 check inter 5s$/m);
    expect(out.config).toContain(`stats socket ${join(dir, 'a', 'admin.sock')} mode 600 level admin`);
    // No redirect listener: the benchmark asks for none.
    expect(out.config).not.toContain('frontend t0_http\n');
  });

  it('writes the certificate, then the key, as one 0600 PEM bundle', async () => {
    const out = await renderBenchHaproxy(spec, pem, join(dir, 'b'));
    const bundle = await readFile(out.certificateFile, 'utf8');
    expect(bundle.indexOf('BEGIN CERTIFICATE')).toBeLessThan(bundle.indexOf('PRIVATE KEY'));
    expect((await stat(out.certificateFile)).mode & 0o777).toBe(0o600);
  });

  it.each([
    [
      'a backend address carrying another server line',
      { address: '10.78.1.2 check\n    server x 192.0.2.1', port: 8081 },
    ],
    ['a backend port that is no port', { address: '10.78.1.2', port: 70000 }],
  ])('refuses %s before anything is rendered', async (_, backend) => {
    const bad = tlsTerminationSpec({ address: '10.77.0.1', httpsPort: 8443 }, backend);
    await expect(renderBenchHaproxy(bad, pem, join(dir, 'c'))).rejects.toThrow(/rejected|decode failed/);
  });

  it('refuses a listen address that smuggles bind options', async () => {
    const bad = tlsTerminationSpec(
      { address: '0.0.0.0:8443 ssl crt /etc/shadow', httpsPort: 8443 },
      {
        address: '10.78.1.2',
        port: 8081,
      },
    );
    await expect(renderBenchHaproxy(bad, pem, join(dir, 'd'))).rejects.toThrow(/rejected|decode failed/);
  });
});
