import { describe, expect, it } from '@jest/globals';
import type { DesiredState } from '../../runtime/controller.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import { CertificateFiles, PemBundle } from './cert-file.js';
import type { TlsModelFacts } from './model.js';
import { haproxyPaths } from './paths.js';
import { desiredRevision, describeAction, planTls } from './plan.js';
import { validateTlsTerminationSpec, type TlsTerminationSpec } from './spec.js';
import { TEST_CERT_A, TEST_CERT_B } from './testdata/pems.js';
import type { CertificateObservation, TerminationTarget, TlsDesired, TlsObserved } from './types.js';

const paths = haproxyPaths('/var/lib/csgw');
const facts: TlsModelFacts = { paths, files: new CertificateFiles(paths.certDir) };
const A = PemBundle.of(TEST_CERT_A);
const B = PemBundle.of(TEST_CERT_B);

function spec(patch: Record<string, unknown> = {}): TlsTerminationSpec {
  const r = validateTlsTerminationSpec({
    certificate: { secretName: 'web-cert' },
    backends: { default: { servers: [{ address: '10.0.1.10', port: 8080 }] } },
    ...patch,
  });
  if (!r.ok) throw new Error(r.errors.join('; '));
  return r.value;
}

function target(name = 'web', s = spec()): TerminationTarget {
  return {
    name,
    generation: 1,
    spec: s,
    certificate: { unresolved: 'not used by the planner' },
    defaultServers: [{ address: '10.0.1.10', port: 8080 }],
    routes: [],
  };
}

function desired(targets: TerminationTarget[]): DesiredState<TlsDesired> {
  return { name: targets.map((t) => t.name).join(','), generation: 3, spec: { targets, rejected: [] } };
}

const STOPPED: DaemonObservation = { phase: 'stopped', crashes: { recent: 0, windowSeconds: 600, loop: false } };

/** HAProxy running the revision `d` wants, serving `served` for web. */
function running(d: DesiredState<TlsDesired>, certs: CertificateObservation[]): TlsObserved {
  const revision = desiredRevision(d, { daemon: STOPPED, certificates: certs, certificateFiles: [] }, facts)!;
  const daemon: DaemonObservation = {
    ...STOPPED,
    phase: 'running',
    installedHash: revision.hash,
    running: { hash: revision.hash, generation: 3, ...(revision.listens ? { listens: revision.listens } : {}) },
  };
  return { daemon, certificates: certs, certificateFiles: certs.map((c) => c.resource) };
}

const types = (actions: { type: string }[]): string[] => actions.map((a) => a.type);

describe('planTls', () => {
  it('writes the certificate, then installs and starts HAProxy', () => {
    const certs = [{ resource: 'web', source: 'secret' as const, wanted: A }];
    const actions = planTls(desired([target()]), { daemon: STOPPED, certificates: certs, certificateFiles: [] }, facts);
    expect(types(actions)).toEqual(['writeCertificate', 'install', 'start']);
  });

  it('starts nothing while no certificate exists: the listener waits', () => {
    const certs = [
      { resource: 'web', source: 'acm' as const, problem: { reason: 'WaitingForCertificate', message: '-' } },
    ];
    const observed = { daemon: STOPPED, certificates: certs, certificateFiles: [] };
    expect(planTls(desired([target()]), observed, facts)).toEqual([]);
    expect(desiredRevision(desired([target()]), observed, facts)).toBeUndefined();
  });

  it('serves the file on disk while a new certificate cannot be had', () => {
    const certs = [
      { resource: 'web', source: 'acm' as const, file: A.leaf, problem: { reason: 'AccessDenied', message: '-' } },
    ];
    expect(
      types(planTls(desired([target()]), { daemon: STOPPED, certificates: certs, certificateFiles: ['web'] }, facts)),
    ).toEqual(['install', 'start']);
  });

  it('swaps a renewed certificate through the runtime API, with no config change and no reload', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: B, file: A.leaf, served: A.leaf }]);
    expect(planTls(d, observed, facts)).toEqual([{ type: 'swapCertificate', resource: 'web', bundle: B }]);
  });

  it('keeps HAProxy as it is while held as found after a restart, and stops it once nothing is admitted', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: A, file: A.leaf, served: A.leaf }]);
    const allRejected: DesiredState<TlsDesired> = {
      spec: {
        targets: [],
        rejected: [{ name: 'web', generation: 4, errors: ['spec.listen.httpsPort: bad'] }],
        holdAsFound: true,
      },
    };
    expect(planTls(allRejected, observed, facts)).toEqual([]);
    const notHeld = { spec: { targets: [], rejected: allRejected.spec.rejected } };
    expect(types(planTls(notHeld, observed, facts))).toContain('stop');
  });

  it('does nothing when HAProxy serves the wanted certificate and the file holds it', () => {
    const d = desired([target()]);
    expect(
      planTls(d, running(d, [{ resource: 'web', source: 'acm', wanted: A, file: A.leaf, served: A.leaf }]), facts),
    ).toEqual([]);
  });

  it('does not offer a refused certificate again, until another is wanted', () => {
    const d = desired([target()]);
    const refused = { sha256: B.leaf.sha256, message: "Can't commit" };
    const certs = [
      { resource: 'web', source: 'acm' as const, wanted: B, file: A.leaf, served: A.leaf, rejected: refused },
    ];
    expect(planTls(d, running(d, certs), facts)).toEqual([]);
  });

  it('writes the file before a reload that loads it, instead of swapping', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: B, file: A.leaf, served: A.leaf }]);
    const changed = desired([target('web', spec({ proxyProtocol: 'v2' }))]);
    expect(types(planTls(changed, observed, facts))).toEqual(['writeCertificate', 'install', 'reload']);
  });

  it('reloads a config change hitlessly; never a restart', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: A, file: A.leaf, served: A.leaf }]);
    const routed = {
      ...target(),
      routes: [{ hosts: [{ exact: 'api.example.com' }], servers: [{ address: '10.0.1.20', port: 80 }] }],
    };
    expect(types(planTls(desired([routed]), observed, facts))).toEqual(['install', 'reload']);
  });

  it('drops the port pre-flight of sockets HAProxy already listens on (a worker holds them)', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: A, file: A.leaf, served: A.leaf }]);
    const moved = desired([target('web', spec({ listen: { httpsPort: 8443 } }))]);
    const preflight = desiredRevision(moved, observed, facts)!.preflight;
    expect(preflight).toEqual([{ portAvailable: { host: '0.0.0.0', port: 8443 } }]);
  });

  it('removes the certificate of a resource that is gone, after HAProxy stopped loading it', () => {
    const d = desired([target()]);
    const observed = running(d, [{ resource: 'web', source: 'acm', wanted: A, file: A.leaf, served: A.leaf }]);
    expect(types(planTls(desired([]), observed, facts))).toEqual(['stop', 'uninstall', 'removeCertificate']);
  });

  it('fails inert when HAProxy is not installed and something could be served', () => {
    const certs = [{ resource: 'web', source: 'secret' as const, wanted: A }];
    const unavailable = { reason: 'DaemonNotInstalled', message: 'haproxy is not installed' };
    expect(() =>
      planTls(desired([target()]), { daemon: STOPPED, certificates: certs, certificateFiles: [], unavailable }, facts),
    ).toThrow(expect.objectContaining({ reason: 'DaemonNotInstalled', inert: true }));
  });

  it('describes certificate actions by subject, serial and digest, never the PEM', () => {
    const line = describeAction({ type: 'swapCertificate', resource: 'web', bundle: A });
    expect(line).toContain('CN=a.example.test');
    expect(line).not.toContain('PRIVATE KEY');
    expect(JSON.stringify({ type: 'writeCertificate', bundle: A })).not.toContain('PRIVATE KEY');
  });
});
