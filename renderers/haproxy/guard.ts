import type { FrontendModel, HaproxyModel, ServerModel } from './model.js';

// Defence in depth: the model comes from validated specs, but a caller that skipped validation must not be able to
// smuggle a directive into haproxy.cfg. HAProxy splits words at spaces, ends a line at `#` or a newline, unescapes
// `\`, expands "${VAR}" and quotes with ' and ": each pattern below admits none of them.
const PATH = /^(\/[A-Za-z0-9_.-]+)+$/;
const ID = /^[a-z][a-z0-9_]{0,31}$/;
const USER = /^[a-z_][a-z0-9_-]{0,31}$/;
const IPV4 = /^((25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])$/;
const DNS_NAME = /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const CIPHERS = /^[A-Za-z0-9_+!@=.-]+(:[A-Za-z0-9_+!@=.-]+)*$/;
const CIPHERSUITES = /^TLS_[A-Z0-9_]+(:TLS_[A-Z0-9_]+)*$/;
const ALPN = /^[a-z0-9][a-z0-9/.-]{0,31}$/;

interface Checked {
  field: string;
  value: string;
  pattern: RegExp;
}

/** Throws naming the first field haproxy.cfg cannot carry safely. */
export function assertRenderable(model: HaproxyModel): void {
  const ids = new Set<string>();
  for (const f of model.frontends) {
    if (ids.has(f.id)) throw new Error(`haproxy model: frontend id ${f.id} repeats`);
    ids.add(f.id);
    const lists = [f.defaultServers, ...f.routes.map((r) => r.servers)];
    if (lists.some((l) => l.length === 0) || f.routes.some((r) => r.hosts.length === 0))
      throw new Error(`haproxy model: frontend ${f.id} has a backend without servers or a route without hosts`);
  }
  for (const { field, value, pattern } of checkedStrings(model))
    if (!pattern.test(value) || value.includes('..'))
      throw new Error(`haproxy model: ${field} ${JSON.stringify(value)} is not allowed in haproxy.cfg`);
  for (const [field, value, max] of checkedNumbers(model))
    if (!Number.isSafeInteger(value) || value < 1 || value > max)
      throw new Error(`haproxy model: ${field} ${String(value)} is not an integer in 1-${max}`);
}

function checkedStrings(model: HaproxyModel): Checked[] {
  return [
    { field: 'adminSocket', value: model.adminSocket, pattern: PATH },
    ...(model.user !== undefined ? [{ field: 'user', value: model.user, pattern: USER }] : []),
    ...model.frontends.flatMap((f, i) => frontendStrings(`frontends[${i}]`, f)),
  ];
}

function frontendStrings(at: string, f: FrontendModel): Checked[] {
  const servers = (where: string, list: readonly ServerModel[]): Checked[] =>
    list.map((s, i) => ({ field: `${where}[${i}].address`, value: s.address, pattern: IPV4 }));
  return [
    { field: `${at}.id`, value: f.id, pattern: ID },
    ...(f.address !== undefined ? [{ field: `${at}.address`, value: f.address, pattern: IPV4 }] : []),
    { field: `${at}.certificateFile`, value: f.certificateFile, pattern: PATH },
    { field: `${at}.mode`, value: f.mode, pattern: /^(http|tcp)$/ },
    { field: `${at}.tls.minVersion`, value: f.tls.minVersion, pattern: /^TLSv1\.[23]$/ },
    { field: `${at}.tls.ciphers`, value: f.tls.ciphers, pattern: CIPHERS },
    { field: `${at}.tls.ciphersuites`, value: f.tls.ciphersuites, pattern: CIPHERSUITES },
    { field: `${at}.proxyProtocol`, value: f.proxyProtocol, pattern: /^(none|v1|v2)$/ },
    ...f.tls.alpn.map((a, i) => ({ field: `${at}.tls.alpn[${i}]`, value: a, pattern: ALPN })),
    ...servers(`${at}.defaultServers`, f.defaultServers),
    ...f.routes.flatMap((r, i) => [
      ...r.hosts.map((h, j) => ({
        field: `${at}.routes[${i}].hosts[${j}]`,
        value: 'exact' in h ? h.exact : h.oneLabelBelow,
        pattern: DNS_NAME,
      })),
      ...servers(`${at}.routes[${i}].servers`, r.servers),
    ]),
  ];
}

function checkedNumbers(model: HaproxyModel): [string, number, number][] {
  const port = 65535;
  const day = 86400;
  return model.frontends.flatMap((f, i): [string, number, number][] => [
    [`frontends[${i}].httpsPort`, f.httpsPort, port],
    ...(f.redirectPort !== undefined
      ? [[`frontends[${i}].redirectPort`, f.redirectPort, port] as [string, number, number]]
      : []),
    ...[...f.defaultServers, ...f.routes.flatMap((r) => r.servers)].map((s, j): [string, number, number] => [
      `frontends[${i}].servers[${j}].port`,
      s.port,
      port,
    ]),
    ...Object.entries(f.timeouts).map(([k, v]): [string, number, number] => [`frontends[${i}].timeouts.${k}`, v, day]),
  ]);
}
