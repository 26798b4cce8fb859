import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, get, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { execa } from 'execa';
import { unavailableAwsApis } from '../adapters/aws/unavailable-apis.js';
import { createProcessPort } from '../adapters/daemon-process.js';
import { createExecRunner } from '../adapters/exec-runner.js';
import { PemBundle } from '../controllers/tls-termination/cert-file.js';
import { swapCertificate } from '../controllers/tls-termination/cert-swap.js';
import { createAcmCertificateTracker } from '../controllers/tls-termination/certificate/tracker.js';
import { createTlsTerminationController } from '../controllers/tls-termination/index.js';
import { unixSocketRuntimeApi } from '../controllers/tls-termination/runtime-api.js';
import { createTestCa, issueLeaf, type TestCa } from '../controllers/tls-termination/testdata/certs.js';
import type { CertificateMaterial } from '../runtime/aws/api-ports.js';
import type { KindSnapshot } from '../runtime/controller.js';

// Real HAProxy 2.6 in the test's own network namespace (npm test runs integration tests under `unshare --net`),
// driven by the TlsTermination controller: a Secret's certificate served, swapped through the runtime API while a
// TLS download stays open and without a reload, a bad certificate refused with the old one still served, and a
// config change reloaded without cutting the connection in flight.

const HTTPS = 18443;
const HTTP = 18080;
const signal = new AbortController().signal;
const ACM_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

let dir: string;
let ca: TestCa;
let backend: Server;
let backendPort = 0;

function snapshot(material: CertificateMaterial, backendPorts: number[], generation = 1): KindSnapshot {
  const spec = {
    listen: { address: '127.0.0.1', httpsPort: HTTPS, httpPort: HTTP },
    certificate: { secretName: 'web-cert' },
    backends: { default: { servers: backendPorts.map((port) => ({ address: '127.0.0.1', port })) } },
  };
  const secret = {
    data: { certificate: material.certificatePem + material.chainPem, privateKey: material.privateKeyPem },
  };
  return {
    kind: 'TlsTermination',
    resources: [{ name: 'web', generation, value: JSON.stringify(spec) }],
    related: { Secret: [{ name: 'web-cert', generation, value: JSON.stringify(secret) }] },
  };
}

/** One reconcile pass, as the operator runs it; returns the actions it applied. */
async function reconcile(
  ctl: ReturnType<typeof createTlsTerminationController>,
  snap: KindSnapshot,
): Promise<string[]> {
  const decoded = ctl.decode(snap);
  if (!decoded.ok) throw new Error(decoded.errors.join('; '));
  const observed = await ctl.observe(signal, { full: false, desired: decoded.desired });
  const actions = ctl.plan(decoded.desired, observed);
  await ctl.apply(actions, signal);
  return actions.map((a) => a.type);
}

async function status(ctl: ReturnType<typeof createTlsTerminationController>, snap: KindSnapshot) {
  const decoded = ctl.decode(snap);
  if (!decoded.ok) throw new Error('invalid');
  const observed = await ctl.observe(signal, { full: false, desired: decoded.desired });
  return { details: ctl.details(decoded.desired, observed), conditions: ctl.conditions!(decoded.desired, observed) };
}

/** The subject CN HAProxy presents to a new TLS connection. */
function servedSubject(): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: HTTPS, servername: 'web.test', rejectUnauthorized: false }, () => {
      resolve(String(s.getPeerCertificate().subject.CN));
      s.end();
    });
    s.on('error', reject);
  });
}

/** Starts a slow download over TLS; resolves with the subject once connected, and `done` with the body length. */
function slowDownload(): Promise<{ subject: string; done: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: HTTPS, servername: 'web.test', rejectUnauthorized: false }, () => {
      let body = '';
      const done = new Promise<number>((ok, fail) => {
        s.on('data', (d: Buffer) => (body += d.toString()));
        s.on('end', () => ok(body.match(/chunk\d+\n/g)?.length ?? 0));
        s.on('error', fail);
      });
      s.write('GET /slow HTTP/1.1\r\nHost: web.test\r\nConnection: close\r\n\r\n');
      resolve({ subject: String(s.getPeerCertificate().subject.CN), done });
    });
    s.on('error', reject);
  });
}

/** The status line HAProxy answers a raw request with (no Host: node's http client always sends one). */
function rawStatusLine(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const s = netConnect({ host: '127.0.0.1', port }, () => s.write(request));
    s.setTimeout(5_000, () => s.destroy(new Error('no answer')));
    s.on('data', (c: Buffer) => (text += c.toString('latin1')));
    s.on('end', () => resolve(text.split('\r\n')[0] ?? ''));
    s.on('error', reject);
  });
}

/** The pids of this test's HAProxy (master and workers), by the config path on their command lines. */
function haproxyPids(): number[] {
  const out = spawnSync('pgrep', ['-f', join(dir, 'haproxy/config')], { encoding: 'utf8' }).stdout;
  return out
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .sort((a, b) => a - b);
}

/** The master: the oldest of them (pids wrap, so not the smallest). */
function haproxyMaster(): number {
  const out = spawnSync('pgrep', ['-o', '-f', join(dir, 'haproxy/config')], { encoding: 'utf8' }).stdout;
  return Number(out.trim());
}

describe('TlsTermination with a real HAProxy', () => {
  let ctl: ReturnType<typeof createTlsTerminationController>;
  let certA: CertificateMaterial;
  let certB: CertificateMaterial;

  beforeAll(async () => {
    await execa('ip', ['link', 'set', 'lo', 'up']);
    dir = await mkdtemp(join(tmpdir(), 'csgw-tls-'));
    ca = await createTestCa();
    [certA, certB] = [await issueLeaf(ca, 'a.web.test'), await issueLeaf(ca, 'b.web.test')];
    backend = createServer((req, res) => {
      if (req.url !== '/slow') return res.end('hello');
      let n = 0;
      const timer = setInterval(() => {
        res.write(`chunk${n}\n`);
        if (++n < 30) return;
        clearInterval(timer);
        res.end();
      }, 100);
    });
    await new Promise<void>((r) => backend.listen(0, '127.0.0.1', r));
    backendPort = (backend.address() as { port: number }).port;
    ctl = createTlsTerminationController({
      runner: createExecRunner(),
      processes: createProcessPort(),
      daemonDir: dir,
      onShutdown: 'stop',
      // As on the embedded default without AWS: every ACM call fails inert.
      acm: createAcmCertificateTracker({ acm: unavailableAwsApis('no AWS in this test').acm }),
    });
    expect((await ctl.probe(signal)).message).toMatch(/^haproxy 2\./);
  }, 60_000);

  afterAll(async () => {
    await ctl?.shutdown?.();
    backend?.closeAllConnections();
    backend?.close();
    await rm(dir, { recursive: true, force: true });
    if (ca) await rm(ca.dir, { recursive: true, force: true });
  });

  it('writes the certificate 0600, starts HAProxy on it, and redirects plain HTTP with a 301', async () => {
    const actions = await reconcile(ctl, snapshot(certA, [backendPort]));
    expect(actions).toEqual(['writeCertificate', 'install', 'start']);
    expect((await stat(join(dir, 'haproxy/certs/web.pem'))).mode & 0o777).toBe(0o600);
    expect(await servedSubject()).toBe('a.web.test');
    const redirect = await new Promise<{ code?: number; location?: string }>((resolve, reject) =>
      get({ host: '127.0.0.1', port: HTTP, path: '/x/y?z=1', headers: { host: 'web.test' } }, (res) => {
        resolve({ code: res.statusCode, location: res.headers.location });
        res.resume();
      }).on('error', reject),
    );
    expect(redirect).toEqual({ code: 301, location: 'https://web.test:18443/x/y?z=1' });
    expect(await rawStatusLine(HTTP, 'GET / HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.[01] 400/);
    expect(await reconcile(ctl, snapshot(certA, [backendPort]))).toEqual([]);
  }, 30_000);

  it('swaps a new certificate through the runtime API while a download continues, with no reload', async () => {
    const pids = haproxyPids();
    const download = await slowDownload();
    expect(download.subject).toBe('a.web.test');
    expect(await reconcile(ctl, snapshot(certB, [backendPort], 2))).toEqual(['swapCertificate']);
    expect(await servedSubject()).toBe('b.web.test');
    expect(await download.done).toBe(30);
    expect(haproxyPids()).toEqual(pids);
    const file = await readFile(join(dir, 'haproxy/certs/web.pem'), 'utf8');
    expect(new PemBundle(file).leaf.subject).toBe('CN=b.web.test');
    const { details } = await status(ctl, snapshot(certB, [backendPort], 2));
    expect(JSON.stringify(details)).not.toContain('PRIVATE KEY');
    expect(details).toMatchObject({ terminations: [{ phase: 'Serving', certificate: { subject: 'CN=b.web.test' } }] });
  }, 30_000);

  it('refuses a certificate whose key does not match: the old one keeps serving', async () => {
    const mismatched = { ...certA, privateKeyPem: certB.privateKeyPem };
    expect(await reconcile(ctl, snapshot(mismatched, [backendPort], 3))).toEqual([]);
    const { conditions } = await status(ctl, snapshot(mismatched, [backendPort], 3));
    expect(conditions).toContainEqual(expect.objectContaining({ type: 'Degraded', reason: 'CertificateProblem' }));
    // Past the check, HAProxy's runtime API refuses it too, and aborts the transaction.
    const api = unixSocketRuntimeApi(join(dir, 'haproxy/run/admin.sock'));
    const pem = `${mismatched.certificatePem}${mismatched.privateKeyPem}`;
    const refused = await swapCertificate(api, join(dir, 'haproxy/certs/web.pem'), pem, signal);
    expect(refused).toEqual({ ok: false, message: expect.stringMatching(/inconsistencies|Can't commit/) });
    expect(await servedSubject()).toBe('b.web.test');
  }, 30_000);

  it('leaves an ACM resource waiting without AWS, and the Secret one serving', async () => {
    const snap = snapshot(certB, [backendPort], 3);
    const acmSpec = {
      listen: { address: '127.0.0.1', httpsPort: HTTPS + 1, httpPort: HTTP + 1 },
      certificate: { acmCertificateArn: ACM_ARN },
      backends: { default: { servers: [{ address: '127.0.0.1', port: backendPort }] } },
    };
    const both = {
      ...snap,
      resources: [...snap.resources, { name: 'acm', generation: 1, value: JSON.stringify(acmSpec) }],
    };
    expect(await reconcile(ctl, both)).toEqual([]);
    const { details } = await status(ctl, both);
    expect(details).toMatchObject({
      terminations: [
        {
          name: 'acm',
          phase: 'WaitingForCertificate',
          certificate: { source: 'acm', problem: { reason: 'AwsApiUnavailable', message: 'no AWS in this test' } },
        },
        { name: 'web', phase: 'Serving' },
      ],
    });
    expect(await servedSubject()).toBe('b.web.test');
  }, 30_000);

  it('reloads a config change hitlessly: the download in flight completes, new connections see the change', async () => {
    const other = createServer((_, res) => res.end('other'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', r));
    const otherPort = (other.address() as { port: number }).port;
    const master = haproxyMaster();
    const download = await slowDownload();
    expect(await reconcile(ctl, snapshot(certB, [backendPort, otherPort], 4))).toEqual(['install', 'reload']);
    expect(await download.done).toBe(30);
    expect(haproxyPids()).toContain(master);
    expect(await servedSubject()).toBe('b.web.test');
    other.closeAllConnections();
    other.close();
  }, 30_000);

  it('stops HAProxy and removes the certificate when the resource is deleted', async () => {
    const actions = await reconcile(ctl, { kind: 'TlsTermination', resources: [], related: { Secret: [] } });
    expect(actions).toEqual(['stop', 'uninstall', 'removeCertificate']);
    await expect(stat(join(dir, 'haproxy/certs/web.pem'))).rejects.toThrow();
    expect(haproxyPids()).toEqual([]);
  }, 30_000);
});
