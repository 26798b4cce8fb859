import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { haproxyModel } from './arbitraries.js';
import { FULL_FRONTEND, HAPROXY_FIXTURES } from './fixtures.js';
import type { FrontendModel, HaproxyModel } from './model.js';
import { renderHaproxy } from './render.js';

/** One string of the model that reaches haproxy.cfg, and how to put another value in its place. */
interface Field {
  name: string;
  get: (m: HaproxyModel) => string;
  set: (m: HaproxyModel, v: string) => HaproxyModel;
}

const front = (m: HaproxyModel): FrontendModel => m.frontends[0] ?? FULL_FRONTEND;
const withFront = (m: HaproxyModel, f: Partial<FrontendModel>): HaproxyModel => ({
  ...m,
  frontends: [{ ...front(m), ...f }, ...m.frontends.slice(1)],
});
const frontField = (
  name: string,
  get: (f: FrontendModel) => string,
  set: (f: FrontendModel, v: string) => Partial<FrontendModel>,
): Field => ({
  name,
  get: (m) => get(front(m)),
  set: (m, v) => withFront(m, set(front(m), v)),
});

const FIELDS: Field[] = [
  { name: 'adminSocket', get: (m) => m.adminSocket, set: (m, v) => ({ ...m, adminSocket: v }) },
  { name: 'user', get: (m) => m.user ?? 'haproxy', set: (m, v) => ({ ...m, user: v }) },
  frontField(
    'id',
    (f) => f.id,
    (_, id) => ({ id }),
  ),
  frontField(
    'address',
    (f) => f.address ?? '10.0.0.1',
    (_, address) => ({ address }),
  ),
  frontField(
    'certificateFile',
    (f) => f.certificateFile,
    (_, certificateFile) => ({ certificateFile }),
  ),
  frontField(
    'mode',
    (f) => f.mode,
    (_, v) => ({ mode: v as FrontendModel['mode'] }),
  ),
  frontField(
    'proxyProtocol',
    (f) => f.proxyProtocol,
    (_, v) => ({ proxyProtocol: v as FrontendModel['proxyProtocol'] }),
  ),
  frontField(
    'tls.minVersion',
    (f) => f.tls.minVersion,
    (f, v) => ({ tls: { ...f.tls, minVersion: v as 'TLSv1.2' } }),
  ),
  frontField(
    'tls.ciphers',
    (f) => f.tls.ciphers,
    (f, ciphers) => ({ tls: { ...f.tls, ciphers } }),
  ),
  frontField(
    'tls.ciphersuites',
    (f) => f.tls.ciphersuites,
    (f, ciphersuites) => ({ tls: { ...f.tls, ciphersuites } }),
  ),
  frontField(
    'tls.alpn',
    (f) => f.tls.alpn[0] ?? 'h2',
    (f, v) => ({ tls: { ...f.tls, alpn: [...f.tls.alpn, v] } }),
  ),
  frontField(
    'defaultServers.address',
    (f) => f.defaultServers[0]!.address,
    (f, address) => ({ defaultServers: [...f.defaultServers, { address, port: 80 }] }),
  ),
  frontField(
    'routes.hosts.exact',
    () => 'api.example.com',
    (f, exact) => ({ routes: [...f.routes, { hosts: [{ exact }], servers: f.defaultServers }] }),
  ),
  frontField(
    'routes.hosts.oneLabelBelow',
    () => 'example.com',
    (f, oneLabelBelow) => ({ routes: [...f.routes, { hosts: [{ oneLabelBelow }], servers: f.defaultServers }] }),
  ),
];

/**
 * What ends or splits an haproxy.cfg word or line, starts a comment, escapes, quotes, expands an environment
 * variable, opens a block, or names a directive: none may reach the file through any field.
 */
const CORPUS = [
  '\n',
  '\r',
  '\t',
  '\0',
  ' ',
  '#',
  '"',
  "'",
  '\\',
  '{',
  '}',
  '${HOME}',
  '\u2028',
  '\nbind 0.0.0.0:1',
  ' crt /etc/shadow',
  '\nglobal\n    stats socket /tmp/x level admin',
  '../../etc/passwd',
];

describe('renderHaproxy refuses values haproxy.cfg cannot carry', () => {
  const base = HAPROXY_FIXTURES.full!;

  it.each(FIELDS.map((f) => [f.name, f] as const))('%s', (_, field) => {
    expect(() => renderHaproxy(field.set(base, field.get(base)))).not.toThrow();
    for (const bad of CORPUS)
      expect(() => renderHaproxy(field.set(base, `${field.get(base)}${bad}`))).toThrow(/haproxy model: /);
    expect(() => renderHaproxy(field.set(base, ''))).toThrow(/haproxy model: /);
  });

  it('refuses ports and timeouts that are not integers in range', () => {
    for (const n of [0, -1, 1.5, NaN, Infinity, 65536]) {
      expect(() => renderHaproxy(withFront(base, { httpsPort: n }))).toThrow(/httpsPort/);
      expect(() => renderHaproxy(withFront(base, { defaultServers: [{ address: '10.0.0.1', port: n }] }))).toThrow(
        /port/,
      );
    }
    expect(() => renderHaproxy(withFront(base, { timeouts: { ...FULL_FRONTEND.timeouts, clientSeconds: 0 } }))).toThrow(
      /clientSeconds/,
    );
  });

  it('refuses a backend without servers, a route without hosts and a repeated frontend id', () => {
    expect(() => renderHaproxy(withFront(base, { defaultServers: [] }))).toThrow(/without servers/);
    expect(() =>
      renderHaproxy(withFront(base, { routes: [{ hosts: [], servers: FULL_FRONTEND.defaultServers }] })),
    ).toThrow(/without hosts/);
    expect(() => renderHaproxy({ ...base, frontends: [FULL_FRONTEND, FULL_FRONTEND] })).toThrow(/repeats/);
  });

  it('refuses an injection anywhere in any field of any valid model', () => {
    const injection = fc.record({ f: fc.constantFrom(...FIELDS), bad: fc.constantFrom(...CORPUS), at: fc.nat() });
    fc.assert(
      fc.property(haproxyModel(), injection, (model, { f, bad, at }) => {
        const value = f.get(model);
        const i = at % (value.length + 1);
        expect(() => renderHaproxy(f.set(model, value.slice(0, i) + bad + value.slice(i)))).toThrow(/haproxy model: /);
      }),
      { numRuns: 300 },
    );
  });
});
