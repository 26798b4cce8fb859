/** IPv4 address arithmetic for validation and canonical forms. Inputs are schema-validated dotted quads. */
export interface Ipv4Range {
  first: number;
  last: number;
}

export function ipv4ToNumber(ip: string): number {
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

export function parseCidr(cidr: string): { base: number; len: number } {
  const [ip = '', len = '32'] = cidr.split('/');
  return { base: ipv4ToNumber(ip), len: Number(len) };
}

export function cidrRange(cidr: string): Ipv4Range {
  const { base, len } = parseCidr(cidr);
  const size = 2 ** (32 - len);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

/** The CIDR with host bits cleared, e.g. 10.0.0.5/16 -> 10.0.0.0/16. */
export function canonicalCidr(cidr: string): string {
  const { len } = parseCidr(cidr);
  return `${numberToIpv4(cidrRange(cidr).first)}/${len}`;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function cidrContains(cidr: string, ip: string): boolean {
  const r = cidrRange(cidr);
  const n = ipv4ToNumber(ip);
  return n >= r.first && n <= r.last;
}

/** Errors for host bits set and for overlapping entries, each naming the field and index. */
export function checkCidrList(field: string, cidrs: readonly string[]): string[] {
  const errors: string[] = [];
  cidrs.forEach((cidr, i) => {
    const canonical = canonicalCidr(cidr);
    if (canonical !== cidr) errors.push(`${field}[${i}]: ${cidr} has host bits set; did you mean ${canonical}?`);
    const overlapping = cidrs.findIndex((other, j) => j < i && rangesOverlap(cidrRange(other), cidrRange(cidr)));
    if (overlapping >= 0)
      errors.push(`${field}[${i}]: ${cidr} overlaps ${field}[${overlapping}] (${cidrs[overlapping]})`);
  });
  return errors;
}
