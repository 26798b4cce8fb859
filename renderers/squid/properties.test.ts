import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { evaluateDomainPolicy } from '../../policy/domains/policy.js';
import type { RenderedFile } from '../../runtime/daemon/files.js';
import { domainName, squidModel } from './arbitraries.js';
import type { SquidModel } from './model.js';
import { renderSquid } from './render.js';

const RUNS = 300;

/** Every directive the renderer may write: anything else in squid.conf is a bug (or an injection). */
const DIRECTIVES = new Set([
  'http_port',
  'visible_hostname',
  'cache_effective_user',
  'pid_filename',
  'cache_log',
  'access_log',
  'logfile_rotate',
  'pinger_enable',
  'shutdown_lifetime',
  'coredump_dir',
  'acl',
  'http_access',
  'auth_param',
  'cache_mem',
  'maximum_object_size',
  'maximum_object_size_in_memory',
  'cache_dir',
  'cache',
  'delay_pools',
  'delay_class',
  'delay_parameters',
  'delay_access',
]);

/** ACLs squid 5 defines itself (checked with `squid -k parse`). */
const PREDEFINED_ACLS = ['all', 'localhost', 'manager', 'CONNECT', 'to_localhost'];

function conf(files: readonly RenderedFile[]): string[] {
  return files.find((f) => f.name === 'squid.conf')!.content.split('\n');
}

function directiveLines(files: readonly RenderedFile[]): string[][] {
  return conf(files)
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(' '));
}

describe('renderSquid properties', () => {
  it('writes only allowlisted directives, comments and blank lines', () => {
    fc.assert(
      fc.property(squidModel(), (model) => {
        for (const [directive] of directiveLines(renderSquid(model))) expect(DIRECTIVES).toContain(directive);
      }),
      { numRuns: RUNS },
    );
  });

  it('renders every side file squid.conf names, and names every side file it renders', () => {
    fc.assert(
      fc.property(squidModel(), (model) => {
        const files = renderSquid(model);
        const prefix = `${model.paths.revisionDir}/`;
        const named = conf(files)
          .flatMap((l) => l.split(' '))
          .map((token) => token.replace(/^"|"$/g, ''))
          .filter((token) => token.startsWith(prefix))
          .map((token) => token.slice(prefix.length));
        const sideFiles = files.map((f) => f.name).filter((n) => n !== 'squid.conf');
        expect(new Set(named)).toEqual(new Set(sideFiles));
        expect(new Set(files.map((f) => f.name)).size).toBe(files.length);
      }),
      { numRuns: RUNS },
    );
  });

  it('writes htpasswd, 0600, exactly when auth is on; everything else 0644', () => {
    fc.assert(
      fc.property(squidModel(), (model) => {
        const files = renderSquid(model);
        const htpasswd = files.filter((f) => f.name === 'htpasswd');
        expect(htpasswd.map((f) => f.mode)).toEqual(model.auth ? [0o600] : []);
        for (const f of files.filter((f) => f.name !== 'htpasswd')) expect(f.mode).toBe(0o644);
        if (model.auth) expect(htpasswd[0]!.content.split('\n').length).toBe(model.auth.users.length + 1);
      }),
      { numRuns: RUNS },
    );
  });

  it('defines every ACL before an access line uses it', () => {
    fc.assert(
      fc.property(squidModel(), (model) => {
        const defined = new Set(PREDEFINED_ACLS);
        for (const [directive, ...args] of directiveLines(renderSquid(model))) {
          if (directive === 'acl') defined.add(args[0]!);
          const used = directive === 'http_access' ? args.slice(1) : directive === 'delay_access' ? args.slice(2) : [];
          for (const name of used) expect(defined).toContain(name.replace(/^!/, ''));
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('ends http_access with deny all when an allow list is referenced, allow all otherwise', () => {
    fc.assert(
      fc.property(squidModel(), (model) => {
        const access = directiveLines(renderSquid(model)).filter(([d]) => d === 'http_access');
        expect(access.at(-1)!.join(' ')).toBe(model.domains.allow ? 'http_access deny all' : 'http_access allow all');
      }),
      { numRuns: RUNS },
    );
  });

  it('decides host names as the domain policy does', () => {
    fc.assert(
      fc.property(squidModel(), fc.array(domainName, { maxLength: 5 }), (model, extra) => {
        const decide = squidDomainDecision(renderSquid(model));
        for (const host of hostsNear(model, extra))
          expect([host, decide(host)]).toEqual([host, evaluateDomainPolicy(model.domains, host).allowed]);
      }),
      { numRuns: RUNS },
    );
  });
});

/**
 * Host names on the edges of the model's patterns: each domain, a name below it, its parent, and look-alikes a
 * sloppy pattern would match (a label glued to it, its dots replaced).
 */
function hostsNear(model: SquidModel, extra: readonly string[]): string[] {
  const domains = [...model.domains.deny, ...(model.domains.allow ?? [])].map((p) => p.domain);
  return [...domains, ...extra]
    .flatMap((d) => [d, `x.${d}`, d.split('.').slice(1).join('.'), `x${d}`, `x.${d.replaceAll('.', 'x')}`])
    .filter(Boolean);
}

/**
 * What squid would decide for a host from the rendered files, reading only the domain ACLs and the final rule: a
 * small model of dstdomain (exact or leading-dot suffix) and dstdom_regex -i, evaluated first match wins.
 */
function squidDomainDecision(files: readonly RenderedFile[]): (host: string) => boolean {
  const lists = new Map(files.map((f) => [f.name, f.content.split('\n').filter(Boolean)]));
  const matchers = new Map<string, (host: string) => boolean>([['all', () => true]]);
  const lines = directiveLines(files);
  for (const [, name, type, ...rest] of lines.filter(([d, , type]) => d === 'acl' && type?.startsWith('dstdom'))) {
    const entries = lists.get(rest.at(-1)!.replace(/"/g, '').split('/').at(-1)!)!;
    matchers.set(
      name!,
      type === 'dstdomain'
        ? (host) => entries.some((e) => (e.startsWith('.') ? host === e.slice(1) || host.endsWith(e) : host === e))
        : (host) => entries.some((e) => new RegExp(e, 'i').test(host)),
    );
  }
  const rules = lines.filter(([d, , acl]) => d === 'http_access' && matchers.has(acl!));
  return (host) => rules.find(([, , acl]) => matchers.get(acl!)!(host))![1] === 'allow';
}
