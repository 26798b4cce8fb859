import { X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  createTopology,
  ensureImages,
  Operator,
  operatorCommand,
  startEchoHost,
  startFakeAwsEndpoint,
  StreamWatcher,
  waitFor,
  type ExtraHost,
  type Topology,
} from './harness/index.js';

/**
 * TlsTermination with an ACM certificate from a fake ACM endpoint (its own test CA) through the real SDK: HAProxy on
 * the gateway terminates HTTPS on 443 for users on the public side and proxies to a backend on the private network;
 * port 80 redirects. An ACM renewal is hot-swapped through HAProxy's runtime API while a download continues, with no
 * reload; a certificate that fails its checks never replaces the one serving.
 */
const KIND = 'TlsTermination';
const DOMAIN = 'app.example.test';
const BACKEND_PORT = 9000;
const FAKE_PORT = 8901;
const RENEWAL_CHECK_SECONDS = 60;
const CA_FILE = '/tmp/csgw-acm-ca.pem';
/** The renewal is seen at the next DescribeCertificate: one check interval, plus slack for a busy machine. */
const RENEWAL_SEEN_MS = (RENEWAL_CHECK_SECONDS + 30) * 1000;

let t: Topology;
let op: Operator;
let fake: ExtraHost;
let backend: ExtraHost;
let arn: string;
let caName: string;

async function control(path: string, body?: unknown): Promise<string> {
  const url = `http://127.0.0.1:${FAKE_PORT}${path}`;
  const post =
    body === undefined ? [] : ['-X', 'POST', '-H', 'content-type: application/json', '-d', JSON.stringify(body)];
  const out = await fake.exec(['curl', '-sf', ...post, url]);
  if (out.exitCode !== 0) throw new Error(`fake ACM ${path}: ${out.stderr}`);
  return out.stdout;
}

async function onServer(argv: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return t.exec('server', argv);
}

interface Presented {
  serial: string;
  subject: string;
  issuer: string;
}

/** The certificate the gateway presents for DOMAIN, verified against the fake ACM's CA (throws when it does not verify). */
async function presented(): Promise<Presented> {
  const script = [
    'out=$(openssl s_client -connect "$1" -servername "$2" -CAfile "$3" -verify_return_error </dev/null 2>&1)',
    '|| { printf "%s" "$out" >&2; exit 1; }',
    '; printf "%s" "$out" | openssl x509 -noout -serial -subject -issuer -nameopt RFC2253',
  ].join(' ');
  const out = await onServer(['sh', '-c', script, 'sh', `${t.gatewayPublicIp}:443`, DOMAIN, CA_FILE]);
  if (out.exitCode !== 0) throw new Error(`openssl s_client: ${out.stderr.slice(-400)}`);
  const field = (name: string): string =>
    /^(\w+)=(.*)$/m.exec(out.stdout.split('\n').find((l) => l.startsWith(`${name}=`)) ?? '')?.[2] ?? '';
  return { serial: normaliseSerial(field('serial')), subject: field('subject'), issuer: field('issuer') };
}

function normaliseSerial(serial: string): string {
  return serial.replace(/:/g, '').replace(/^0+/, '').toUpperCase();
}

interface CertificateStatus {
  serial?: string;
  fingerprint?: string;
  problem?: { reason: string };
  rejected?: unknown;
}

async function certificateStatus(): Promise<CertificateStatus | undefined> {
  const status = await op.controller(KIND);
  const terminations = (status?.details.terminations ?? []) as { name: string; certificate?: CertificateStatus }[];
  return terminations.find((r) => r.name === 'web')?.certificate;
}

async function haproxyPids(): Promise<string> {
  const out = await t.exec('gateway', ['pgrep', '-x', 'haproxy']);
  return out.stdout.split('\n').filter(Boolean).sort().join(',');
}

beforeAll(async () => {
  await ensureImages();
  t = await createTopology('tls-termination', {
    gatewayCommand: operatorCommand(),
    gatewayEnv: {
      AWS_ENDPOINT_URL_ACM: `http://fake-acm:${FAKE_PORT}`,
      // The fake checks no signatures; the SDK only needs some credentials to sign with.
      AWS_ACCESS_KEY_ID: 'e2e',
      AWS_SECRET_ACCESS_KEY: 'e2e',
      // No AWS_REGION: with one, SSM would be the real one (the embedded store serves this test).
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  });
  op = await Operator.connect(t);
  fake = await startFakeAwsEndpoint(t, 'acm', FAKE_PORT);
  const ca = await control('/_ca');
  caName = new X509Certificate(ca).subject.replace(/^CN=/, '');
  const write = await onServer(['sh', '-c', 'printf "%s" "$1" >"$2"', 'sh', ca, CA_FILE]);
  if (write.exitCode !== 0) throw new Error(`CA file: ${write.stderr}`);
  arn = (JSON.parse(await control('/_issue', { domainName: DOMAIN, sans: [`*.${DOMAIN}`] })) as { arn: string }).arn;
  backend = await startEchoHost(t, 'backend', BACKEND_PORT, 'private');
  await op.apply({
    kind: KIND,
    name: 'web',
    spec: {
      certificate: { acmCertificateArn: arn, renewalCheckSeconds: RENEWAL_CHECK_SECONDS },
      backends: { default: { servers: [{ address: backend.ip, port: BACKEND_PORT }] } },
    },
  });
  await waitFor(async () => (await certificateStatus())?.serial !== undefined, {
    timeoutMs: 60_000,
    what: 'the ACM certificate serving',
  });
  await waitFor(async () => (await presented().catch(() => undefined)) !== undefined, {
    timeoutMs: 30_000,
    what: 'HTTPS on the gateway',
  });
}, 20 * 60_000);

afterAll(async () => {
  await op?.close();
  await t?.cleanup();
}, 60_000);

describe('TlsTermination with an ACM certificate', () => {
  it('presents the ACM certificate for the domain, issued by the CA, and status names the same serial', async () => {
    const cert = await presented();
    expect(cert.subject).toBe(`CN=${DOMAIN}`);
    expect(cert.issuer).toContain(caName);
    expect(normaliseSerial((await certificateStatus())?.serial ?? '')).toBe(cert.serial);
  });

  it('proxies HTTPS to the backend with X-Forwarded-For (a forged one dropped) and X-Forwarded-Proto', async () => {
    const out = await onServer([
      ...['curl', '-sS', '--max-time', '5', '--cacert', CA_FILE, '-H', 'X-Forwarded-For: 192.0.2.66'],
      ...['--resolve', `${DOMAIN}:443:${t.gatewayPublicIp}`, `https://${DOMAIN}/hello`],
    ]);
    expect(out.stderr).toBe('');
    const reply = JSON.parse(out.stdout) as { url: string; forwardedFor?: string; forwardedProto?: string };
    expect(reply).toMatchObject({ url: '/hello', forwardedFor: t.serverIp, forwardedProto: 'https' });
  });

  it('redirects plain HTTP with a 301 to https, keeping host and path', async () => {
    const out = await onServer([
      'curl',
      '-sI',
      '--max-time',
      '5',
      '-H',
      `Host: ${DOMAIN}`,
      `http://${t.gatewayPublicIp}/a/b?c=d`,
    ]);
    expect(out.stdout).toMatch(/^HTTP\/1\.[01] 301/);
    expect(out.stdout).toMatch(new RegExp(`^location: https://${DOMAIN.replace(/\./g, '\\.')}/a/b\\?c=d\\r?$`, 'im'));
  });

  it('an ACM renewal is swapped in during a download, without a reload and without breaking it', async () => {
    const before = await presented();
    const pids = await haproxyPids();
    const stream = await StreamWatcher.start(
      t,
      'server',
      `https://${t.gatewayPublicIp}/stream?seconds=${RENEWAL_CHECK_SECONDS + 40}`,
      {
        caFile: CA_FILE,
        serverName: DOMAIN,
      },
    );
    await control('/_renew', { arn });
    const renewed = await waitFor(
      async () => {
        const now = await presented();
        return now.serial !== before.serial && now;
      },
      { timeoutMs: RENEWAL_SEEN_MS, what: 'the renewed certificate presented' },
    );
    expect(normaliseSerial((await certificateStatus())?.serial ?? '')).toBe(renewed.serial);
    expect(await haproxyPids()).toBe(pids);
    await stream.moreThan(await stream.latest());
    const summary = await stream.finished((RENEWAL_CHECK_SECONDS + 60) * 1000);
    expect(summary.error).toBeUndefined();
    expect(summary.ended).toBe(true);
  }, 240_000);

  it('a renewed certificate that fails its checks is refused: the previous one keeps serving, status says why', async () => {
    const before = await presented();
    await control('/_corrupt', { arn, mode: 'key-mismatch' });
    await control('/_renew', { arn });
    await waitFor(async () => (await certificateStatus())?.problem?.reason === 'KeyMismatch', {
      timeoutMs: RENEWAL_SEEN_MS,
      what: 'the KeyMismatch problem in status',
    });
    const status = await op.controller(KIND);
    expect(status?.conditions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'Degraded', status: 'True', reason: 'CertificateProblem' }),
      ]),
    );
    expect((await presented()).serial).toBe(before.serial);
    expect(JSON.stringify(status)).not.toMatch(/PRIVATE KEY/);
    await control('/_corrupt', { arn, mode: 'none' });
  }, 240_000);
});
