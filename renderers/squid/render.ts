import Handlebars from 'handlebars';
import { minimisePatterns, type DomainPattern } from '../../policy/domains/pattern.js';
import type { RenderedFile } from '../../runtime/daemon/files.js';
import { assertRenderable } from './guard.js';
import { formatPortRange, type PortRange } from '../../policy/ports.js';
import type { SquidModel } from './model.js';
import { SQUID_CONF_TEMPLATE } from './template.js';

// Compiled once. strict: a field the template names but the view lacks throws instead of rendering as blank.
const renderConf = Handlebars.compile<ConfView>(SQUID_CONF_TEMPLATE, { noEscape: true, strict: true });

/** squid.conf directives `squid -k reconfigure` cannot change safely: a change to any of them needs a restart. */
const RESTART_DIRECTIVES = new Set(['cache_effective_user', 'pid_filename', 'cache_dir']);

/** squid 5 keeps delay pool rates and bucket levels in a C int: larger values wrap or trip an assertion. */
const SQUID_INT_MAX = 2 ** 31 - 1;

/** Largest object kept in memory: big objects belong on disk, and a smaller limit keeps the memory cache varied. */
const IN_MEMORY_OBJECT_MAX_KB = 1024;

const MODE_PUBLIC = 0o644;
const MODE_SECRET = 0o600;

interface DomainAcl {
  name: string;
  type: 'dstdomain' | 'dstdom_regex';
  /** -n: no reverse DNS for IP-literal destinations; -i: host names are case-insensitive. */
  flags: string;
  /** Absolute path of the list, as squid.conf names it. */
  file: string;
  /** The list's file name in the revision and its lines. */
  side: { name: string; lines: string[] };
}

interface ConfView {
  listen: string;
  user: string;
  pidFile: string;
  logDir: string;
  cacheDir: string;
  clientCidrs: string;
  safePorts: string;
  connectPorts: string;
  auth: { htpasswd: string; realm: string } | false;
  denyAcls: DomainAcl[];
  allowList: boolean;
  allowAcls: DomainAcl[];
  cache: { memoryMb: number; maxObjectSizeKb: number; inMemoryKb: number; dir: string | false } | false;
  bandwidth: { restore: number; burst: number } | false;
}

/** squid.conf and its side files (htpasswd, domain lists) for one configuration revision. */
export function renderSquid(model: SquidModel): RenderedFile[] {
  assertRenderable(model);
  const view = confView(model);
  const domainFiles = [...view.denyAcls, ...view.allowAcls].map((acl): RenderedFile => ({
    name: acl.side.name,
    content: lines(acl.side.lines),
    mode: MODE_PUBLIC,
  }));
  return [
    { name: 'squid.conf', content: renderConf(view), mode: MODE_PUBLIC },
    ...(model.auth
      ? [{ name: 'htpasswd', content: lines(model.auth.users.map((u) => `${u.name}:${u.hash}`)), mode: MODE_SECRET }]
      : []),
    ...domainFiles,
  ];
}

/**
 * The lines of squid.conf a `squid -k reconfigure` cannot apply (user, pid file, cache_dir): when the key of the
 * new revision differs from the running one, the supervisor restarts squid instead of reloading it.
 */
export function restartKey(model: SquidModel): string {
  assertRenderable(model);
  return restartKeyOf(renderConf(confView(model)));
}

/** The restart key of an already rendered squid.conf (what restartKey computes, without rendering again). */
export function restartKeyOf(squidConf: string): string {
  return squidConf
    .split('\n')
    .filter((line) => RESTART_DIRECTIVES.has(line.split(' ')[0] ?? ''))
    .join('\n');
}

function confView(model: SquidModel): ConfView {
  const { paths, listen, auth } = model;
  return {
    listen: listenAddress(listen),
    user: model.user,
    pidFile: paths.pidFile,
    logDir: paths.logDir,
    cacheDir: paths.cacheDir,
    clientCidrs: model.clientCidrs.map(squidCidr).join(' '),
    safePorts: portList(model.safePorts),
    connectPorts: portList(model.connectPorts),
    auth: auth ? { htpasswd: sidePath(model, 'htpasswd'), realm: auth.realm } : false,
    denyAcls: domainAcls(model, 'deny', model.domains.deny),
    allowList: model.domains.allow !== undefined,
    allowAcls: domainAcls(model, 'allow', model.domains.allow ?? []),
    cache: cacheView(model),
    bandwidth: model.bandwidth
      ? {
          restore: Math.min(model.bandwidth.bytesPerSecond, SQUID_INT_MAX),
          burst: Math.min(model.bandwidth.burstBytes, SQUID_INT_MAX),
        }
      : false,
  };
}

/** An IPv6 address needs brackets to be told apart from the port. */
function listenAddress({ address, port }: SquidModel['listen']): string {
  if (address === undefined) return String(port);
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/** Squid refuses 0.0.0.0/0 ("needs to be replaced by the term 'all'"), and `all` would take in IPv6 clients too. */
function squidCidr(cidr: string): string {
  return cidr === '0.0.0.0/0' ? '0.0.0.0/1 128.0.0.0/1' : cidr;
}

function portList(ranges: readonly PortRange[]): string {
  return ranges.map(formatPortRange).join(' ');
}

function cacheView({ cache, paths }: SquidModel): ConfView['cache'] {
  if (!cache) return false;
  return {
    memoryMb: cache.memoryMb,
    maxObjectSizeKb: cache.maxObjectSizeKb,
    // Without a disk cache, memory is the only store: anything up to the object size limit may stay there.
    inMemoryKb: cache.diskMb === 0 ? cache.maxObjectSizeKb : Math.min(cache.maxObjectSizeKb, IN_MEMORY_OBJECT_MAX_KB),
    // 16 x 256 directories: squid's default layout for ufs.
    dir: cache.diskMb > 0 ? `${paths.cacheDir} ${cache.diskMb} 16 256` : false,
  };
}

/**
 * The ACLs of one list: exact and suffix patterns as dstdomain, `*.x` as a regex (dstdomain has no "strictly
 * below" form). Only non-empty lists get an ACL: squid warns about an empty one. Minimised again because squid
 * refuses a dstdomain list holding both `.example.com` and `a.example.com`; it is a no-op on a compiled policy.
 */
function domainAcls(model: SquidModel, list: 'deny' | 'allow', patterns: readonly DomainPattern[]): DomainAcl[] {
  const minimal = minimisePatterns(patterns);
  const domains = minimal.filter((p) => p.match !== 'subdomains').map(dstdomainEntry);
  const subdomains = minimal.filter((p) => p.match === 'subdomains').map((p) => `\\.${escapeRegex(p.domain)}$`);
  const acl = (kind: string, type: DomainAcl['type'], flags: string, entries: string[]): DomainAcl => {
    const name = `${list}-${kind}.txt`;
    return { name: `csgw_${list}_${kind}`, type, flags, file: sidePath(model, name), side: { name, lines: entries } };
  };
  return [
    ...(domains.length > 0 ? [acl('domains', 'dstdomain', '-n', domains)] : []),
    ...(subdomains.length > 0 ? [acl('subdomains', 'dstdom_regex', '-n -i', subdomains)] : []),
  ];
}

function dstdomainEntry(p: DomainPattern): string {
  return p.match === 'suffix' ? `.${p.domain}` : p.domain;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function sidePath(model: SquidModel, name: string): string {
  return `${model.paths.revisionDir}/${name}`;
}

function lines(entries: readonly string[]): string {
  return entries.map((e) => `${e}\n`).join('');
}
