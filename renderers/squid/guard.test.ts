import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { squidModel } from './arbitraries.js';
import { SQUID_FIXTURES } from './fixtures.js';
import type { SquidModel } from './model.js';
import { renderSquid, restartKey } from './render.js';

/** One string of the model that reaches a rendered file, and how to put another value in its place. */
interface Field {
  name: string;
  /** Whether a space is legitimate there (the realm is the rest of its line). */
  spaceOk?: boolean;
  /** Whether a colon breaks it (an htpasswd line is name:hash). */
  colonBad?: boolean;
  get: (m: SquidModel) => string;
  set: (m: SquidModel, v: string) => SquidModel;
}

const AUTH = { realm: 'Proxy', users: [{ name: 'alice', hash: '$apr1$r31.....$HqJZimcKQFAMYayBlzkrA/' }] };

const path = (key: keyof SquidModel['paths']): Field => ({
  name: `paths.${key}`,
  get: (m) => m.paths[key],
  set: (m, v) => ({ ...m, paths: { ...m.paths, [key]: v } }),
});

const FIELDS: Field[] = [
  path('revisionDir'),
  path('cacheDir'),
  path('logDir'),
  path('pidFile'),
  { name: 'user', get: (m) => m.user, set: (m, v) => ({ ...m, user: v }) },
  {
    name: 'listen.address',
    get: (m) => m.listen.address ?? '10.0.0.1',
    set: (m, v) => ({ ...m, listen: { ...m.listen, address: v } }),
  },
  { name: 'clientCidrs', get: (m) => m.clientCidrs[0]!, set: (m, v) => ({ ...m, clientCidrs: [...m.clientCidrs, v] }) },
  {
    name: 'domain',
    get: () => 'example.com',
    set: (m, v) => ({ ...m, domains: { ...m.domains, deny: [...m.domains.deny, { match: 'suffix', domain: v }] } }),
  },
  {
    name: 'auth.realm',
    spaceOk: true,
    get: (m) => m.auth?.realm ?? AUTH.realm,
    set: (m, v) => ({ ...m, auth: { ...(m.auth ?? AUTH), realm: v } }),
  },
  {
    name: 'auth.users.name',
    colonBad: true,
    get: () => 'bob',
    set: (m, v) => ({ ...m, auth: { ...AUTH, users: [...AUTH.users, { name: v, hash: '$1$x$y' }] } }),
  },
  {
    name: 'auth.users.hash',
    colonBad: true,
    get: () => '$1$salt$hash',
    set: (m, v) => ({ ...m, auth: { ...AUTH, users: [...AUTH.users, { name: 'bob', hash: v }] } }),
  },
];

/** Characters that end a squid value, start a comment, quote, expand a macro, or split a line. */
const BAD = ['\n', '\r', '\t', '\0', '\x7f', '\u2028', '#', '"'];

function badCharsFor(field: Field): string[] {
  const confValue = !field.colonBad;
  return [...BAD, ...(field.spaceOk ? [] : [' ']), ...(confValue ? ['$'] : []), ...(field.colonBad ? [':'] : [])];
}

describe('renderSquid refuses values squid cannot carry', () => {
  const base = SQUID_FIXTURES.minimal!('/srv/squid');

  it.each(FIELDS.map((f) => [f.name, f] as const))('%s', (_, field) => {
    const ok = field.set(base, field.get(base));
    expect(() => renderSquid(ok)).not.toThrow();
    for (const bad of badCharsFor(field)) {
      const model = field.set(base, `${field.get(base)}${bad}x`);
      expect(() => renderSquid(model)).toThrow(/squid model: /);
      expect(() => restartKey(model)).toThrow(/squid model: /);
    }
    expect(() => renderSquid(field.set(base, ''))).toThrow(/empty/);
  });

  it('allows spaces inside the realm only', () => {
    const files = renderSquid({ ...base, auth: { ...AUTH, realm: 'Cloud Spectra proxy' } });
    expect(files[0]!.content).toContain('\nauth_param basic realm Cloud Spectra proxy\n');
  });

  it('allows `$` in hashes (crypt hashes are full of it), not in squid.conf values', () => {
    expect(() => renderSquid({ ...base, auth: AUTH })).not.toThrow();
    expect(() => renderSquid({ ...base, paths: { ...base.paths, logDir: '/var/log/${service_name}' } })).toThrow();
  });

  it('refuses numbers that are not non-negative integers', () => {
    for (const n of [NaN, -1, 1.5, Infinity]) {
      expect(() => renderSquid({ ...base, listen: { port: n } })).toThrow(/listen\.port/);
      expect(() => renderSquid({ ...base, cache: { memoryMb: n, diskMb: 0, maxObjectSizeKb: 1 } })).toThrow(
        /cache\.memoryMb/,
      );
    }
  });

  it('refuses an injected character anywhere in any field of any valid model', () => {
    const field = fc.constantFrom(...FIELDS);
    const injection = field.chain((f) =>
      fc.record({ f: fc.constant(f), bad: fc.constantFrom(...badCharsFor(f)), at: fc.nat() }),
    );
    fc.assert(
      fc.property(squidModel(), injection, (model, { f, bad, at }) => {
        const value = f.get(model);
        const i = at % (value.length + 1);
        expect(() => renderSquid(f.set(model, value.slice(0, i) + bad + value.slice(i)))).toThrow(/squid model: /);
      }),
      { numRuns: 300 },
    );
  });
});
