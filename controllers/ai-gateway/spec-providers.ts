import { cidrContains } from '../../runtime/net/cidr.js';
import type { ProviderSpec } from './spec.js';

/** Provider names unique, the fields each type takes, and base URLs and headers that are safe to send. */
export function checkProviders(providers: readonly ProviderSpec[]): string[] {
  const errors: string[] = [];
  providers.forEach((p, i) => {
    const field = `spec.providers[${i}]`;
    const first = providers.findIndex((o) => o.name === p.name);
    if (first < i) errors.push(`${field}.name: ${p.name} is also spec.providers[${first}]`);
    errors.push(...checkType(field, p));
    if (p.baseUrl !== undefined) errors.push(...checkBaseUrl(`${field}.baseUrl`, p.baseUrl));
    if (p.headers) errors.push(...checkHeaders(`${field}.headers`, p.headers));
  });
  return errors;
}

function checkType(field: string, p: ProviderSpec): string[] {
  const errors: string[] = [];
  if (p.type === 'bedrock') {
    if (p.apiKeySecretRef)
      errors.push(`${field}.apiKeySecretRef: Bedrock takes no API key (it signs with the instance role or roleArn)`);
    if (p.headers) errors.push(`${field}.headers: not for Bedrock (its requests are signed)`);
    if (!p.region) errors.push(`${field}.region: required for Bedrock`);
    if (p.externalIdSecretRef && !p.roleArn) errors.push(`${field}.externalIdSecretRef: only with roleArn`);
    return errors;
  }
  if (p.region) errors.push(`${field}.region: only for Bedrock`);
  if (p.roleArn) errors.push(`${field}.roleArn: only for Bedrock`);
  if (p.externalIdSecretRef) errors.push(`${field}.externalIdSecretRef: only for Bedrock`);
  if (p.type === 'anthropic' && !p.apiKeySecretRef) errors.push(`${field}.apiKeySecretRef: required for Anthropic`);
  return errors;
}

/** Plain http carries keys and prompts in clear: only to the instance itself or the private networks. */
const PRIVATE_CIDRS = ['127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'];
const LINK_LOCAL = '169.254.0.0/16';

/**
 * The URL as the data plane will parse it (WHATWG URL): http or https, no credentials (keys belong in a Secret), no
 * query or fragment (the gateway appends API paths), not the link-local range of the instance metadata service, and
 * plain http only to a loopback or private address.
 */
export function checkBaseUrl(field: string, raw: string): string[] {
  // Special schemes read a backslash as a slash: what the host is would depend on who parses it.
  if (raw.includes('\\')) return [`${field}: must not contain a backslash`];
  if (!URL.canParse(raw)) return [`${field}: not a valid URL`];
  const url = new URL(raw);
  return [...shapeProblems(url, raw), ...addressProblems(url)].map((p) => `${field}: ${p}`);
}

function shapeProblems(url: URL, raw: string): string[] {
  return [
    ...(url.protocol === 'https:' || url.protocol === 'http:' ? [] : ['must be http:// or https://']),
    ...(url.username || url.password ? ['must not hold credentials (use apiKeySecretRef)'] : []),
    ...(url.search || raw.includes('?') ? ['must not have a query'] : []),
    ...(url.hash || raw.includes('#') ? ['must not have a fragment'] : []),
  ];
}

function addressProblems(url: URL): string[] {
  const ipv4 = /^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) ? url.hostname : undefined;
  if (ipv4 && cidrContains(LINK_LOCAL, ipv4))
    return [`${ipv4} is link-local (the instance metadata service), not an upstream`];
  // IMDS's IPv6 address (fd00:ec2::254) and the link-local range fe80::/10, however the URL parser wrote them.
  if (/^\[(fd00:ec2:|fe[89ab][0-9a-f]?:)/i.test(url.hostname))
    return [`${url.hostname} is the instance metadata service or link-local, not an upstream`];
  if (url.protocol === 'http:' && !isPrivateHost(url.hostname, ipv4))
    return [`plain http:// only to a loopback or private address (${url.hostname}); use https://`];
  return [];
}

function isPrivateHost(hostname: string, ipv4: string | undefined): boolean {
  if (ipv4) return PRIVATE_CIDRS.some((c) => cidrContains(c, ipv4));
  // IPv6 loopback and unique local addresses (fc00::/7), and the loopback name.
  return hostname === 'localhost' || hostname === '[::1]' || /^\[f[cd][0-9a-f]{0,2}:/i.test(hostname);
}

/** Headers the gateway sets itself, or that would carry a credential or change how the message is framed. */
const FORBIDDEN_HEADERS: Record<string, string> = {
  host: 'set from baseUrl',
  authorization: 'a credential: use apiKeySecretRef',
  'proxy-authorization': 'a credential',
  'x-api-key': 'a credential: use apiKeySecretRef',
  'api-key': 'a credential: use apiKeySecretRef',
  cookie: 'a credential',
  'content-length': 'set by the gateway',
  'content-type': 'set by the gateway',
  'content-encoding': 'set by the gateway',
  'accept-encoding': 'set by the gateway',
  'x-request-id': 'set by the gateway',
  'transfer-encoding': 'a hop-by-hop header',
  connection: 'a hop-by-hop header',
  'keep-alive': 'a hop-by-hop header',
  'proxy-connection': 'a hop-by-hop header',
  te: 'a hop-by-hop header',
  trailer: 'a hop-by-hop header',
  upgrade: 'a hop-by-hop header',
  expect: 'a hop-by-hop header',
};

/** The schema keeps names to RFC 9110 tokens and values to visible ASCII; this also checks what they mean. */
export function checkHeaders(field: string, headers: Record<string, string>): string[] {
  const errors: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    const at = `${field}.${JSON.stringify(name)}`;
    if (seen.has(lower)) errors.push(`${at}: given twice (header names are case-insensitive)`);
    seen.add(lower);
    if (Object.hasOwn(FORBIDDEN_HEADERS, lower)) errors.push(`${at}: not allowed (${FORBIDDEN_HEADERS[lower]})`);
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) errors.push(`${at}: not a header name`);
    if (/[^\t\x20-\x7e]/.test(value)) errors.push(`${at}: the value holds a line break or control character`);
  }
  return errors;
}
