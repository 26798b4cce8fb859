// Ports as the kinds write them (443, "8000-8010") and as nft and squid print them: one type and one parser for
// FirewallPolicy, PortForward and ForwardProxy. Pure; controllers and renderers may import it.

/** An inclusive port range; a single port has first === last. */
export interface PortRange {
  first: number;
  last: number;
}

export const MAX_PORT = 65535;

/** A schema-valid port or "first-last" range as an inclusive range: 443 -> 443-443. Bounds are not checked here. */
export function parsePortRange(port: number | string): PortRange {
  if (typeof port === 'number') return { first: port, last: port };
  const [first = '', last = first] = port.split('-');
  return { first: Number(first), last: Number(last) };
}

/** "80" or "8000-8010", as nft and squid write ports. */
export function formatPortRange(range: PortRange): string {
  return range.first === range.last ? String(range.first) : `${range.first}-${range.last}`;
}

/** The message of a range written backwards ("9000-8000"), or undefined; `field` names where it was. */
export function reversedRange(field: string, port: number | string): string | undefined {
  const range = parsePortRange(port);
  return range.first > range.last ? `${field}: ${String(port)} is reversed` : undefined;
}
