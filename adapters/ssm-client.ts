import { SSMClient } from '@aws-sdk/client-ssm';
import type { Counter } from 'prom-client';
import { DEFAULT_REMOTE_TIMEOUTS, requestHandlerOptions, type RemoteTimeouts } from './aws/client-config.js';

export interface SsmClientOptions {
  region: string;
  endpoint?: string;
  /** Local endpoints accept any signature; static credentials spare users an AWS profile. */
  dummyCredentials?: boolean;
  /** Counts every SSM call by operation (label `operation`). */
  callCounter?: Counter<'operation'>;
  /** Default: DEFAULT_REMOTE_TIMEOUTS. Never none: a silent endpoint must fail the call. */
  timeouts?: RemoteTimeouts;
}

const LOCAL_CREDENTIALS = { accessKeyId: 'csgw-local', secretAccessKey: 'csgw-local' };

/** One SSM client per process, adaptive retries because PutParameter is throttled at a few TPS. */
export function createSsmClient(opts: SsmClientOptions): SSMClient {
  const client = new SSMClient({
    region: opts.region,
    retryMode: 'adaptive',
    maxAttempts: 5,
    ...requestHandlerOptions(opts.timeouts ?? DEFAULT_REMOTE_TIMEOUTS),
    ...(opts.endpoint ? { endpoint: opts.endpoint } : {}),
    ...(opts.dummyCredentials ? { credentials: LOCAL_CREDENTIALS } : {}),
  });
  const counter = opts.callCounter;
  if (counter) {
    client.middlewareStack.add(
      (next, context) => (args) => {
        counter.inc({ operation: String(context.commandName ?? 'unknown').replace(/Command$/, '') });
        return next(args);
      },
      { step: 'initialize', name: 'csgwCallCounter' },
    );
  }
  return client;
}
