import Handlebars from 'handlebars';
import type { RenderedFile } from '../../runtime/daemon/files.js';
import { assertRenderable } from './guard.js';
import type { FrontendModel, HaproxyModel, HostMatch, ServerModel } from './model.js';
import { HAPROXY_CFG_TEMPLATE } from './template.js';

export const HAPROXY_CONFIG = 'haproxy.cfg';

// Compiled once. strict: a field the template names but the view lacks throws instead of rendering as blank.
const renderCfg = Handlebars.compile<CfgView>(HAPROXY_CFG_TEMPLATE, { noEscape: true, strict: true });

interface BackendView {
  name: string;
  servers: string[];
}

interface FrontendView {
  id: string;
  mode: 'http' | 'tcp';
  http: boolean;
  httpsBind: string;
  certificateFile: string;
  alpn: string;
  minVersion: string;
  ciphers: string;
  ciphersuites: string;
  clientTimeout: string;
  connectTimeout: string;
  serverTimeout: string;
  tunnelTimeout: string;
  acls: string[];
  useBackends: string[];
  redirect: { bind: string; location: string } | false;
  backends: BackendView[];
}

interface CfgView {
  adminSocket: string;
  user: string | false;
  frontends: FrontendView[];
}

/** haproxy.cfg for one configuration revision (certificates live outside it: they are swapped, not reloaded). */
export function renderHaproxy(model: HaproxyModel): RenderedFile[] {
  assertRenderable(model);
  const view: CfgView = {
    adminSocket: model.adminSocket,
    user: model.user ?? false,
    frontends: model.frontends.map(frontendView),
  };
  return [{ name: HAPROXY_CONFIG, content: renderCfg(view), mode: 0o644 }];
}

function frontendView(f: FrontendModel): FrontendView {
  const seconds = (n: number): string => `${n}s`;
  // HTTP mode routes on the Host header (a connection an h2 client reuses for another name it covers carries it);
  // TCP mode can only route on the TLS server name.
  const fetch = f.mode === 'http' ? 'var(txn.host)' : 'ssl_fc_sni,lower';
  const routes = f.routes.map((r, i) => ({ acl: `route${i}`, backend: `${f.id}_route${i}`, hosts: r.hosts }));
  return {
    id: f.id,
    mode: f.mode,
    http: f.mode === 'http',
    httpsBind: bindAddress(f.address, f.httpsPort),
    certificateFile: f.certificateFile,
    alpn: f.tls.alpn.join(','),
    minVersion: f.tls.minVersion,
    ciphers: f.tls.ciphers,
    ciphersuites: f.tls.ciphersuites,
    clientTimeout: seconds(f.timeouts.clientSeconds),
    connectTimeout: seconds(f.timeouts.connectSeconds),
    serverTimeout: seconds(f.timeouts.serverSeconds),
    tunnelTimeout: seconds(f.timeouts.tunnelSeconds),
    acls: routes.flatMap((r) => r.hosts.map((h) => `${r.acl} ${fetch} ${hostMatcher(h)}`)),
    useBackends: routes.map((r) => `${r.backend} if ${r.acl}`),
    redirect: f.redirectPort !== undefined ? redirectView(f, f.redirectPort) : false,
    backends: [
      { name: `${f.id}_default`, servers: serverLines(f, f.defaultServers) },
      ...f.routes.map((r, i) => ({ name: `${f.id}_route${i}`, servers: serverLines(f, r.servers) })),
    ],
  };
}

/** An exact name as a string match; `*.domain` as a regex of one label (quoted: no escape processing). */
function hostMatcher(h: HostMatch): string {
  if ('exact' in h) return `-m str ${h.exact}`;
  return `-m reg '^[a-z0-9-]+\\.${h.oneLabelBelow.replaceAll('.', '\\.')}$'`;
}

/** 301 to the same host and path (with the query) on the https port; the port is left out when it is 443. */
function redirectView(f: FrontendModel, port: number): { bind: string; location: string } {
  const httpsPort = f.httpsPort === 443 ? '' : `:${f.httpsPort}`;
  return {
    bind: bindAddress(f.address, port),
    location: `https://%[req.hdr(host),field(1,:)]${httpsPort}%[capture.req.uri]`,
  };
}

function serverLines(f: FrontendModel, servers: readonly ServerModel[]): string[] {
  const proxy = f.proxyProtocol === 'v1' ? ' send-proxy' : f.proxyProtocol === 'v2' ? ' send-proxy-v2' : '';
  // An active TCP check takes a server that stops answering out of the rotation.
  return servers.map((s, i) => `s${i} ${s.address}:${s.port} check inter 5s${proxy}`);
}

function bindAddress(address: string | undefined, port: number): string {
  return `${address ?? '0.0.0.0'}:${port}`;
}
