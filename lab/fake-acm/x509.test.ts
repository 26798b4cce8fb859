import { describe, expect, it } from '@jest/globals';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createTestCa } from './test-ca.js';

const now = new Date('2026-03-01T12:00:00Z');
const day = 86_400_000;
/** Serves the leaf on loopback and connects as `servername`, trusting only the CA: what a TLS client checks. */
async function handshake(ca: string, cert: string, key: string, servername: string): Promise<string | undefined> {
  const server = createServer({ cert, key }, (_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    return await new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, servername, ca }, () => {
        socket.destroy();
        resolve(undefined);
      });
      socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
    });
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('test CA and X.509 encoding', () => {
  it('makes a self-signed CA certificate that OpenSSL parses and verifies', () => {
    const ca = new X509Certificate(createTestCa('Test CA', now).certificatePem);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=Test CA');
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(new Date(ca.validFrom).getTime()).toBe(now.getTime() - day);
  });

  it.each(['EC_prime256v1', 'RSA_2048'] as const)('issues a %s server leaf with SAN, serial and validity', (alg) => {
    const ca = createTestCa('Test CA', now);
    const serial = Buffer.from('00ff01', 'hex');
    const leaf = ca.issue({
      commonName: 'www.example.test',
      dnsNames: ['www.example.test', '*.example.test'],
      notBefore: now,
      notAfter: new Date('2051-01-01T00:00:00Z'), // GeneralizedTime after 2049
      keyAlgorithm: alg,
      serial,
    });
    const x = new X509Certificate(leaf.certificatePem);
    const caCert = new X509Certificate(ca.certificatePem);
    expect(x.ca).toBe(false);
    expect(x.subject).toBe('CN=www.example.test');
    expect(x.issuer).toBe('CN=Test CA');
    expect(x.serialNumber).toBe('FF01');
    expect(x.subjectAltName).toBe('DNS:www.example.test, DNS:*.example.test');
    expect(new Date(x.validTo).toISOString()).toBe('2051-01-01T00:00:00.000Z');
    expect(x.checkIssued(caCert)).toBe(true);
    expect(x.verify(caCert.publicKey)).toBe(true);
    expect(x.checkPrivateKey(leaf.privateKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyType).toBe(alg === 'RSA_2048' ? 'rsa' : 'ec');
  });

  it('gives certificates a TLS client accepts for their names only', async () => {
    const ca = createTestCa('Test CA');
    const leaf = ca.issue({
      commonName: 'a.example.test',
      dnsNames: ['a.example.test'],
      notBefore: new Date(Date.now() - day),
      notAfter: new Date(Date.now() + day),
    });
    const key = leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(await handshake(ca.certificatePem, leaf.certificatePem, key, 'a.example.test')).toBeUndefined();
    expect(await handshake(ca.certificatePem, leaf.certificatePem, key, 'b.example.test')).toBe(
      'ERR_TLS_CERT_ALTNAME_INVALID',
    );
    const stranger = createTestCa('Other CA').certificatePem;
    expect(await handshake(stranger, leaf.certificatePem, key, 'a.example.test')).toBe(
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    );
  });
});
