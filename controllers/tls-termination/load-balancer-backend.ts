// A `loadBalancer` backend: HAProxy connects to that LoadBalancer's listener on the gateway itself, and the
// LoadBalancer spreads those connections (its output chain catches locally made ones) over its targets.
import { isIPv4 } from 'node:net';
import type { ServerModel } from '../../renderers/haproxy/model.js';
import type { KindSnapshot } from '../../runtime/controller.js';
import type { LoadBalancerLookup } from './decode.js';

interface ListenerView {
  protocol?: unknown;
  port?: unknown;
  address?: unknown;
}

/**
 * Looks a LoadBalancer up among the watched resources of `kind`; a string says why it cannot serve as a backend.
 * Once a TlsTermination resolved it, a LoadBalancer that goes away or loses its address keeps its last listener for
 * that TlsTermination (stale, with the reason): a change to another resource must not take HAProxy's frontend, and
 * port 443 with it, down. A TlsTermination that never resolved it gets the reason alone.
 */
export function loadBalancerLookup(kind: string): LoadBalancerLookup {
  const lastResolved = new Map<string, ServerModel>();
  return (name, related, forResource) => {
    const key = `${forResource}/${name}`;
    const found = resolve(kind, name, related);
    if (typeof found !== 'string') {
      lastResolved.set(key, found);
      return found;
    }
    const last = lastResolved.get(key);
    return last ? { server: last, unresolved: found } : found;
  };
}

function resolve(kind: string, name: string, related: KindSnapshot['related']): ServerModel | string {
  const stored = related?.[kind]?.find((r) => r.name === name);
  if (!stored) return `LoadBalancer ${name} does not exist`;
  const listener = listenerOf(stored.value);
  if (!listener) return `LoadBalancer ${name} has no readable listener`;
  const { protocol = 'TCP', port, address } = listener;
  if (protocol !== 'TCP') return `LoadBalancer ${name} listens on ${String(protocol)}, HAProxy needs TCP`;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)
    return `LoadBalancer ${name} has no valid listener port`;
  // Without an address the LoadBalancer listens on every local address, and none of them is sure to route back
  // to its targets (a loopback source would not): HAProxy needs the one it should use.
  if (typeof address !== 'string' || !isIPv4(address))
    return `LoadBalancer ${name} needs spec.listener.address to serve as a TlsTermination backend`;
  return { address, port };
}

function listenerOf(value: string): ListenerView | undefined {
  try {
    const spec = JSON.parse(value) as { listener?: unknown };
    return typeof spec.listener === 'object' && spec.listener !== null ? spec.listener : undefined;
  } catch {
    return undefined;
  }
}
