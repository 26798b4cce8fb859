import { describe, expect, it } from '@jest/globals';
import { servedCertificate, swapCertificate } from './cert-swap.js';
import type { RuntimeApi } from './runtime-api.js';

const PATH = '/var/lib/csgw/haproxy/certs/web.pem';
const PEM =
  '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
const signal = new AbortController().signal;

/** A runtime API answering each command by its first words, recording what it was sent. */
function scripted(answers: Record<string, string>): RuntimeApi & { sent: string[] } {
  const sent: string[] = [];
  return {
    sent,
    send(command) {
      sent.push(command);
      const key = Object.keys(answers).find((k) => command.startsWith(k));
      return Promise.resolve(key ? answers[key]! : 'Unknown command\n');
    },
  };
}

describe('swapCertificate', () => {
  it('sets the PEM as a payload, then commits', async () => {
    const api = scripted({
      'set ssl cert': `Transaction created for certificate ${PATH}!\n`,
      'commit ssl cert': `Committing ${PATH}.\nSuccess!\n`,
    });
    expect(await swapCertificate(api, PATH, PEM, signal)).toEqual({ ok: true });
    expect(api.sent).toEqual([`set ssl cert ${PATH} <<\n${PEM.trimEnd()}\n\n`, `commit ssl cert ${PATH}\n`]);
  });

  it('aborts the transaction when the commit is refused, and says why', async () => {
    const api = scripted({
      'set ssl cert': 'Transaction created\n',
      'commit ssl cert': `inconsistencies between private key and certificate loaded '${PATH}'.\nCan't commit ${PATH}!\n`,
    });
    expect(await swapCertificate(api, PATH, PEM, signal)).toEqual({
      ok: false,
      message: `inconsistencies between private key and certificate loaded '${PATH}'. Can't commit ${PATH}!`,
    });
    expect(api.sent.at(-1)).toBe(`abort ssl cert ${PATH}\n`);
  });

  it('aborts when the set is refused, without committing', async () => {
    const api = scripted({ 'set ssl cert': 'unable to load the certificate\n' });
    expect(await swapCertificate(api, PATH, PEM, signal)).toEqual({
      ok: false,
      message: 'unable to load the certificate',
    });
    expect(api.sent.map((c) => c.split(' ')[0])).toEqual(['set', 'abort']);
  });

  it.each([
    ['a blank line', PEM.replace('MIIB\n', 'MIIB\n\nshow info\n')],
    ['a command after the payload', `${PEM}\n\nshutdown frontend x`],
    ['a control character', PEM.replace('MIIB', 'MI\rIB')],
    ['a semicolon', PEM.replace('MIIB', 'MIIB;show info')],
  ])('sends nothing for a PEM with %s', async (_, pem) => {
    const api = scripted({});
    expect(await swapCertificate(api, PATH, pem, signal)).toMatchObject({ ok: false });
    expect(api.sent).toEqual([]);
  });

  it('refuses a path that is not a plain absolute path', async () => {
    for (const path of ['/x/../etc/shadow', '/x y.pem', 'x.pem', '/x.pem\nshow info'])
      await expect(swapCertificate(scripted({}), path, PEM, signal)).rejects.toThrow(/not safe/);
  });
});

describe('servedCertificate', () => {
  it('reads the serial and SHA-1 from `show ssl cert`', async () => {
    const api = scripted({
      'show ssl cert': `Filename: ${PATH}\nStatus: Used\nSerial: 03E8AB\nSHA1 FingerPrint: 8281B37D506C827772EDF5AAA024FF4B86FC82DB\nSubject: /CN=b\n`,
    });
    expect(await servedCertificate(api, PATH, signal)).toEqual({
      serial: '03e8ab',
      sha1: '8281b37d506c827772edf5aaa024ff4b86fc82db',
    });
  });

  it('is undefined for a file HAProxy does not know, or when it does not answer', async () => {
    expect(
      await servedCertificate(scripted({ 'show ssl cert': "Can't display the certificate\n" }), PATH, signal),
    ).toBeUndefined();
    const broken: RuntimeApi = { send: () => Promise.reject(new Error('ECONNREFUSED')) };
    expect(await servedCertificate(broken, PATH, signal)).toBeUndefined();
  });
});
