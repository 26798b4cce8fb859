import { describe, expect, it } from '@jest/globals';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SQUID_FIXTURES } from './fixtures.js';
import type { SquidModel } from './model.js';
import { renderSquid, restartKey } from './render.js';

// Golden files: UPDATE_GOLDEN=1 rewrites them from the renderer (review the diff before keeping it).
const TESTDATA = fileURLToPath(new URL('./testdata/', import.meta.url));
const ROOT = '/var/lib/csgw/squid';

function expectGolden(file: string, actual: string): void {
  const path = `${TESTDATA}${file}`;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
}

function model(name: string): SquidModel {
  return SQUID_FIXTURES[name]!(ROOT);
}

function fileOf(files: ReturnType<typeof renderSquid>, name: string): string | undefined {
  return files.find((f) => f.name === name)?.content;
}

describe('renderSquid golden files', () => {
  it.each(Object.keys(SQUID_FIXTURES))('%s.conf', (name) => {
    expectGolden(`${name}.conf`, fileOf(renderSquid(model(name)), 'squid.conf')!);
  });

  it('full: every side file, with its mode', () => {
    const files = renderSquid(model('full'));
    expect(files.map((f) => [f.name, f.mode])).toEqual([
      ['squid.conf', 0o644],
      ['htpasswd', 0o600],
      ['deny-domains.txt', 0o644],
      ['deny-subdomains.txt', 0o644],
      ['allow-domains.txt', 0o644],
      ['allow-subdomains.txt', 0o644],
    ]);
    for (const f of files.slice(1)) expectGolden(`full.${f.name}`, f.content);
  });

  it('renders only squid.conf when there is no auth and no domain pattern', () => {
    expect(renderSquid(model('minimal')).map((f) => f.name)).toEqual(['squid.conf']);
    expect(renderSquid(model('cache-off')).map((f) => f.name)).toEqual(['squid.conf']);
  });
});

describe('renderSquid details', () => {
  const base = model('minimal');

  it('writes the domain lists minimised and sorted', () => {
    const files = renderSquid({
      ...base,
      domains: {
        deny: [
          { match: 'exact', domain: 'a.example.com' },
          { match: 'suffix', domain: 'example.com' },
          { match: 'exact', domain: 'b.test' },
          { match: 'subdomains', domain: 'x.example.com' },
        ],
      },
    });
    expect(fileOf(files, 'deny-domains.txt')).toBe('b.test\n.example.com\n');
    expect(fileOf(files, 'deny-subdomains.txt')).toBeUndefined();
  });

  it('escapes every dot of a subdomain regex', () => {
    const files = renderSquid({ ...base, domains: { deny: [{ match: 'subdomains', domain: 'a-b.c.d' }] } });
    expect(fileOf(files, 'deny-subdomains.txt')).toBe('\\.a-b\\.c\\.d$\n');
  });

  it('writes 0.0.0.0/0 as two halves: squid refuses it, and `all` would take in IPv6 clients too', () => {
    const conf = fileOf(renderSquid({ ...base, clientCidrs: ['10.0.0.0/8', '0.0.0.0/0'] }), 'squid.conf');
    expect(conf).toContain('\nacl csgw_clients src 10.0.0.0/8 0.0.0.0/1 128.0.0.0/1\n');
  });

  it('brackets an IPv6 listen address', () => {
    const conf = fileOf(renderSquid({ ...base, listen: { address: 'fd00::1', port: 3128 } }), 'squid.conf');
    expect(conf).toContain('\nhttp_port [fd00::1]:3128\n');
  });

  it('keeps objects over 1 MB out of memory when a disk cache holds them, and in memory when nothing else does', () => {
    const conf = (kb: number, diskMb: number): string =>
      fileOf(renderSquid({ ...base, cache: { memoryMb: 8, diskMb, maxObjectSizeKb: kb } }), 'squid.conf')!;
    expect(conf(100, 64)).toContain('\nmaximum_object_size_in_memory 100 KB\n');
    expect(conf(4096, 64)).toContain('\nmaximum_object_size_in_memory 1024 KB\n');
    expect(conf(4096, 0)).toContain('\nmaximum_object_size_in_memory 4096 KB\n');
    expect(conf(4096, 0)).not.toContain('\ncache_dir ');
  });

  it('caps delay pool values at what squid 5 holds in an int', () => {
    const conf = fileOf(
      renderSquid({ ...base, bandwidth: { bytesPerSecond: 12_500_000_000, burstBytes: 10_000_000_000 } }),
      'squid.conf',
    );
    expect(conf).toContain('\ndelay_parameters 1 -1/-1 -1/-1 2147483647/2147483647\n');
  });

  it('writes an empty htpasswd for auth without users', () => {
    const files = renderSquid({ ...base, auth: { realm: 'r', users: [] } });
    expect(files.find((f) => f.name === 'htpasswd')).toEqual({ name: 'htpasswd', content: '', mode: 0o600 });
  });
});

describe('restartKey', () => {
  const full = model('full');

  it('is the user, pid file and cache_dir lines', () => {
    expect(restartKey(full)).toBe(
      ['cache_effective_user proxy', `pid_filename ${ROOT}/squid.pid`, `cache_dir ufs ${ROOT}/cache 2048 16 256`].join(
        '\n',
      ),
    );
  });

  it('ignores what a reconfigure applies, and changes with what it cannot', () => {
    const key = restartKey(full);
    expect(restartKey({ ...full, listen: { port: 1 }, auth: undefined, bandwidth: undefined })).toBe(key);
    expect(restartKey({ ...full, cache: { ...full.cache!, memoryMb: 1 } })).toBe(key);
    expect(restartKey({ ...full, cache: { ...full.cache!, diskMb: 1 } })).not.toBe(key);
    expect(restartKey({ ...full, cache: undefined })).not.toBe(key);
    expect(restartKey({ ...full, user: 'squid' })).not.toBe(key);
    expect(restartKey({ ...full, paths: { ...full.paths, pidFile: '/run/other.pid' } })).not.toBe(key);
  });
});
