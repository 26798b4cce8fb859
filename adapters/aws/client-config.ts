import { STSClient } from '@aws-sdk/client-sts';

/** Deadlines of every AWS call (SSM, EC2, STS): a peer that accepts connections but never answers cannot stall us. */
export interface RemoteTimeouts {
  /** TCP (and TLS) connection set-up. */
  connectMs: number;
  /** One HTTP request: the socket may stay silent this long before the attempt fails (and is retried). */
  requestMs: number;
}

export const DEFAULT_REMOTE_TIMEOUTS: RemoteTimeouts = { connectMs: 3_000, requestMs: 10_000 };

/** The SDK builds its node HTTP handler from these options. */
export function requestHandlerOptions(t: RemoteTimeouts): {
  requestHandler: { connectionTimeout: number; requestTimeout: number };
} {
  return { requestHandler: { connectionTimeout: t.connectMs, requestTimeout: t.requestMs } };
}

export function createStsClient(region: string, timeouts: RemoteTimeouts): STSClient {
  return new STSClient({ region, maxAttempts: 3, ...requestHandlerOptions(timeouts) });
}
