import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Counter } from 'prom-client';
import { createSsmClient } from '../adapters/ssm-client.js';
import { connectOrStartEmbeddedSsm, startEmbeddedSsm } from '../embedded-ssm/index.js';
import type { SsmTarget } from '../runtime/config.js';
import type { RemoteTimeouts } from '../adapters/aws/client-config.js';

export interface SsmConnection {
  client: SSMClient;
  /** The URL of the endpoint in use when it is not AWS's own. */
  endpoint?: string;
  /** True when this process serves the embedded endpoint. */
  servesEmbedded: boolean;
  close(): Promise<void>;
}

export interface OpenSsmOptions {
  /** host:port for the embedded endpoint; when given this process must serve it. */
  embeddedListen?: string;
  callCounter?: Counter<'operation'>;
  timeouts: RemoteTimeouts;
}

/** Connects to the SSM target, starting the embedded endpoint when that is the target and none is live. */
export async function openSsm(target: SsmTarget, opts: OpenSsmOptions): Promise<SsmConnection> {
  if (target.mode === 'aws') {
    const client = createSsmClient({ ...target, callCounter: opts.callCounter, timeouts: opts.timeouts });
    return { client, endpoint: target.endpoint, servesEmbedded: false, close: () => Promise.resolve(client.destroy()) };
  }
  const listen = opts.embeddedListen ? parseListen(opts.embeddedListen) : undefined;
  const handle = listen
    ? await startEmbeddedSsm({ dataDir: target.dataDir, ...listen })
    : await connectOrStartEmbeddedSsm({ dataDir: target.dataDir });
  const client = createSsmClient({
    region: target.region,
    endpoint: handle.url,
    dummyCredentials: true,
    callCounter: opts.callCounter,
    timeouts: opts.timeouts,
  });
  return {
    client,
    endpoint: handle.url,
    servesEmbedded: handle.owned,
    close: async () => {
      client.destroy();
      await handle.close();
    },
  };
}

/** Parses "host:port" (IPv4 or name) into listen options. */
export function parseListen(listen: string): { host: string; port: number } {
  const idx = listen.lastIndexOf(':');
  const port = Number(listen.slice(idx + 1));
  if (idx <= 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid listen address "${listen}": expected host:port`);
  }
  return { host: listen.slice(0, idx), port };
}
