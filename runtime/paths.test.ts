import { describe, expect, it } from '@jest/globals';
import { sourceNatKind } from '../crds-equivalent/source-nat.js';
import { gatewayPaths, isValidResourceName, kindSpecPath, parseSpecPath, specPath, statusPath } from './paths.js';

describe('gatewayPaths', () => {
  it('builds every root under /prefix/gateway', () => {
    expect(gatewayPaths('/cloudspectra', 'gw1')).toEqual({
      root: '/cloudspectra/gw1',
      specRoot: '/cloudspectra/gw1/spec',
      statusRoot: '/cloudspectra/gw1/status',
      leaseRoot: '/cloudspectra/gw1/leases',
    });
  });

  it.each([
    ['cloudspectra', '/cloudspectra/gw'],
    ['/cloudspectra/', '/cloudspectra/gw'],
    ['//a/b//', '/a/b/gw'],
    ['/', '/gw'],
    ['', '/gw'],
  ])('normalises the prefix %j', (prefix, root) => {
    expect(gatewayPaths(prefix, 'gw').root).toBe(root);
  });

  it.each(['', 'a/b', 'gw 1', 'gw\n', 'x'.repeat(129), '../gw'])('rejects the gateway name %j', (name) => {
    expect(() => gatewayPaths('/p', name)).toThrow(/invalid gateway name/);
  });
});

describe('spec and status paths', () => {
  const paths = gatewayPaths('/cloudspectra', 'gw1');

  it('names a resource, a kind and an instance status', () => {
    expect(specPath(paths, sourceNatKind, 'default')).toBe('/cloudspectra/gw1/spec/sourcenats/default');
    expect(kindSpecPath(paths, sourceNatKind)).toBe('/cloudspectra/gw1/spec/sourcenats');
    expect(statusPath(paths, 'i-0abc')).toBe('/cloudspectra/gw1/status/i-0abc');
  });

  it('parseSpecPath inverts specPath', () => {
    expect(parseSpecPath(paths, specPath(paths, sourceNatKind, 'default'))).toEqual({
      plural: 'sourcenats',
      name: 'default',
    });
  });

  it.each([
    '/cloudspectra/gw1/spec/sourcenats',
    '/cloudspectra/gw1/spec/sourcenats/default/extra',
    '/cloudspectra/gw1/spec/sourcenats/',
    '/cloudspectra/gw1/spec',
    '/cloudspectra/gw1/specx/sourcenats/default',
    '/cloudspectra/gw10/spec/sourcenats/default',
    '/cloudspectra/gw1/status/i-1',
  ])('parseSpecPath rejects %s', (name) => {
    expect(parseSpecPath(paths, name)).toBeUndefined();
  });

  it('validates resource names like gateway names', () => {
    expect(isValidResourceName('default')).toBe(true);
    expect(isValidResourceName('a.b-c_1')).toBe(true);
    expect(isValidResourceName('a/b')).toBe(false);
    expect(isValidResourceName('')).toBe(false);
  });
});
