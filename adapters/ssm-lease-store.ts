import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { LeaseStoreRejected, type LeaseStore } from '../runtime/lease/elector.js';
import { decodeLeaseRecord } from '../runtime/lease/record.js';

/**
 * Leases over GetParameter / PutParameter(Overwrite). Standard tier, String type, never labelled: a label pins a
 * version, and a parameter whose 100 retained versions are all pinned refuses new writes.
 */
export function createSsmLeaseStore(client: SSMClient): LeaseStore {
  return {
    async read(name, signal) {
      try {
        const out = await client.send(new GetParameterCommand({ Name: name }), { abortSignal: signal });
        const version = out.Parameter?.Version ?? 0;
        const record = decodeLeaseRecord(out.Parameter?.Value ?? '');
        return record ? { version, record } : { version };
      } catch (err) {
        if ((err as Error).name === 'ParameterNotFound') return { version: 0 };
        throw err;
      }
    },
    async write(name, value, signal) {
      try {
        const out = await client.send(
          new PutParameterCommand({ Name: name, Value: value, Type: 'String', Overwrite: true, Tier: 'Standard' }),
          { abortSignal: signal },
        );
        if (out.Version === undefined) throw new Error('PutParameter returned no version');
        return out.Version;
      } catch (err) {
        throw answeredBySsm(err) ? new LeaseStoreRejected(`${(err as Error).name}: ${(err as Error).message}`) : err;
      }
    },
  };
}

/** An error response from SSM means the write was not applied; a timeout or a dropped connection proves nothing. */
function answeredBySsm(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 400 && status < 500;
}
