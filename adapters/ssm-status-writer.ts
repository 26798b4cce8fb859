import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { SSM_VALUE_LIMIT_BYTES } from '../runtime/status-fit.js';
import type { StatusWriter } from '../runtime/status-publisher.js';

export type StatusTier = keyof typeof SSM_VALUE_LIMIT_BYTES;

/**
 * The status parameter's writer, with the size its tier accepts (the publisher shortens the document to fit).
 * The default, Intelligent-Tiering, lets SSM keep the parameter Standard (free) while the document fits 4 KB and go
 * Advanced past it, up to 8 KB: a gateway's full status (every controller's details) no longer fits 4 KB. Standard
 * caps the document at 4 KB, still written as Intelligent-Tiering, so a parameter an older version let grow to
 * Advanced is accepted instead of refused as a downgrade.
 */
export function createSsmStatusWriter(client: SSMClient, tier: StatusTier = 'Intelligent-Tiering'): StatusWriter {
  const write = async (name: string, value: string): Promise<void> => {
    await client.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'String',
        Overwrite: true,
        Tier: tier === 'Advanced' ? 'Advanced' : 'Intelligent-Tiering',
      }),
    );
  };
  return Object.assign(write, { maxBytes: SSM_VALUE_LIMIT_BYTES[tier] });
}
