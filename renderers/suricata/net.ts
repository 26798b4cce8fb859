/**
 * IP address and CIDR checks for values that reach suricata.yaml, rule headers and threshold.config. Renderers are
 * pure (node:net is off limits), so IPv6 is checked by character set and then by the WHATWG URL host parser.
 */
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;

export function isIpv4(text: string): boolean {
  return IPV4.test(text);
}

export function isIpv6(text: string): boolean {
  if (!IPV6_CHARS.test(text) || !text.includes(':')) return false;
  try {
    return new URL(`http://[${text}]/`).hostname.length > 2;
  } catch {
    return false;
  }
}

/** An IPv4 or IPv6 address, or a CIDR of either with a prefix length in range and no leading zeros. */
export function isIpOrCidr(text: string): boolean {
  const [ip = '', len, ...rest] = text.split('/');
  if (rest.length > 0) return false;
  const max = isIpv4(ip) ? 32 : isIpv6(ip) ? 128 : -1;
  if (max < 0) return false;
  if (len === undefined) return true;
  return /^(0|[1-9]\d{0,2})$/.test(len) && Number(len) <= max;
}
