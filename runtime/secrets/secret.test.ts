import { describe, expect, it } from '@jest/globals';
import type { StoredResource } from '../controller.js';
import { resolveSecret, validateSecretSpec } from './secret.js';

/** A value distinctive enough that finding it (or a piece of it) in an error can only mean a leak. */
const SECRET = 'alice:$apr1$Zq7Vw0Xy$S3cr3tV4lu3-NeverInErrors';
const PIECES = [SECRET, 'S3cr3tV4lu3', 'NeverInErrors', 'Zq7Vw0Xy'];

const stored = (name: string, value: string, generation = 3): StoredResource => ({ name, generation, value });
const secretJson = (data: Record<string, unknown>): string => JSON.stringify({ data });

function expectNoLeak(texts: readonly string[]): void {
  for (const text of texts) for (const piece of PIECES) expect(text).not.toContain(piece);
}

describe('validateSecretSpec', () => {
  it('accepts string values under valid keys', () => {
    const spec = { data: { htpasswd: SECRET, 'other_key.v-2': '' } };
    expect(validateSecretSpec(spec)).toEqual({ ok: true, value: spec });
  });

  it.each<[string, unknown]>([
    ['no data', {}],
    ['empty data', { data: {} }],
    ['data not an object', { data: SECRET }],
    ['a number value', { data: { htpasswd: 12345 } }],
    ['an object value', { data: { htpasswd: { value: SECRET } } }],
    ['a value of 65,537 characters', { data: { htpasswd: SECRET + 'x'.repeat(65_537 - SECRET.length) } }],
    ['a key with a space', { data: { 'bad key': SECRET } }],
    ['a key with a slash', { data: { '../x': SECRET } }],
    ['a key of 65 characters', { data: { ['k'.repeat(65)]: SECRET } }],
    ['an empty key', { data: { '': SECRET } }],
    ['an unknown field', { data: { htpasswd: 'x' }, value: SECRET }],
    ['33 keys', { data: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, SECRET])) }],
    ['not an object', SECRET],
  ])('rejects %s, never quoting the value', (_, raw) => {
    const result = validateSecretSpec(raw);
    expect(result.ok).toBe(false);
    if (!result.ok) expectNoLeak(result.errors);
  });

  it('accepts a value of exactly 8,192 characters and 32 keys', () => {
    expect(validateSecretSpec({ data: { htpasswd: 'x'.repeat(8_192) } }).ok).toBe(true);
    expect(
      validateSecretSpec({ data: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'])) }).ok,
    ).toBe(true);
  });
});

describe('resolveSecret', () => {
  const secrets = [
    stored('other', secretJson({ htpasswd: 'not this one' }), 1),
    stored('proxy-users', secretJson({ htpasswd: SECRET, spare: 'second' }), 7),
  ];

  it('returns the value of the key with the name and generation of its secret', () => {
    expect(resolveSecret(secrets, { name: 'proxy-users', key: 'htpasswd' })).toEqual({
      ok: true,
      secret: { name: 'proxy-users', generation: 7, value: SECRET },
    });
    expect(resolveSecret(secrets, { name: 'proxy-users', key: 'spare' })).toEqual({
      ok: true,
      secret: { name: 'proxy-users', generation: 7, value: 'second' },
    });
  });

  it('returns an empty value as it is (the consumer decides whether it is usable)', () => {
    const result = resolveSecret([stored('s', secretJson({ k: '' }))], { name: 's', key: 'k' });
    expect(result).toEqual({ ok: true, secret: { name: 's', generation: 3, value: '' } });
  });

  it('reports a missing secret by name', () => {
    expect(resolveSecret(secrets, { name: 'nope', key: 'htpasswd' })).toEqual({
      ok: false,
      error: 'Secret nope does not exist',
    });
    expect(resolveSecret([], { name: 'proxy-users', key: 'htpasswd' })).toEqual({
      ok: false,
      error: 'Secret proxy-users does not exist',
    });
  });

  it('does not match names loosely', () => {
    expect(resolveSecret(secrets, { name: 'Proxy-Users', key: 'htpasswd' }).ok).toBe(false);
    expect(resolveSecret(secrets, { name: 'proxy', key: 'htpasswd' }).ok).toBe(false);
  });

  it('reports a missing key by secret and key, without any value', () => {
    const result = resolveSecret(secrets, { name: 'proxy-users', key: 'HTPASSWD' });
    expect(result).toEqual({ ok: false, error: 'Secret proxy-users has no key HTPASSWD' });
    if (!result.ok) expectNoLeak([result.error]);
  });

  it.each([
    ['truncated JSON', `{"data":{"htpasswd":"${SECRET}"`],
    ['a bare value', SECRET],
    ['a JSON string', JSON.stringify(SECRET)],
    ['single quotes', `{'data':{'htpasswd':'${SECRET}'}}`],
    ['a trailing comma', `{"data":{"htpasswd":"${SECRET}",}}`],
    ['a control character', `{"data":{"htpasswd":"${SECRET}\n"}}`],
    ['empty text', ''],
  ])('reports invalid JSON (%s) by name and generation only', (_, value) => {
    const result = resolveSecret([stored('proxy-users', value, 4)], { name: 'proxy-users', key: 'htpasswd' });
    expect(result).toEqual({ ok: false, error: 'Secret proxy-users (generation 4) is not valid' });
  });

  it.each<[string, string]>([
    ['a number value', JSON.stringify({ data: { htpasswd: 12345, leak: SECRET } })],
    ['an unknown field', JSON.stringify({ data: { htpasswd: 'x' }, [SECRET]: SECRET })],
    ['a bad key', JSON.stringify({ data: { [SECRET]: SECRET } })],
    ['an over-long value', secretJson({ htpasswd: SECRET.repeat(2000) })],
    ['no data', JSON.stringify({ htpasswd: SECRET })],
  ])('reports a spec the schema refuses (%s) without any value', (_, value) => {
    const result = resolveSecret([stored('proxy-users', value, 5)], { name: 'proxy-users', key: 'htpasswd' });
    expect(result).toEqual({ ok: false, error: 'Secret proxy-users (generation 5) is not valid' });
  });

  // Regression (secret.ts): `spec.value.data[ref.key]` reads inherited properties. A key the schema allows such as
  // "constructor", "toString" or "__proto__" resolves, on a secret without that key, to a function or
  // Object.prototype typed as a string (parseHtpasswd then throws on .split). Object.hasOwn is the fix.
  it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'])(
    'reports key %s as missing when the secret does not hold it',
    (key) => {
      expect(resolveSecret(secrets, { name: 'proxy-users', key })).toEqual({
        ok: false,
        error: `Secret proxy-users has no key ${key}`,
      });
    },
  );

  it('resolves a key named like an Object.prototype member when the secret holds it', () => {
    const value = secretJson({ constructor: 'own value' });
    expect(resolveSecret([stored('s', value)], { name: 's', key: 'constructor' })).toEqual({
      ok: true,
      secret: { name: 's', generation: 3, value: 'own value' },
    });
  });
});
