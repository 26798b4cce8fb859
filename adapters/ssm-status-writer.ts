import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { SSM_VALUE_LIMIT_BYTES } from '../runtime/status-fit.js';
import type { StatusWriter } from '../runtime/status-publisher.js';

export type StatusTier = keyof typeof SSM_VALUE_LIMIT_BYTES;

/**
 * The status parameter's writer, with the size its tier accepts (the publisher shortens the document to fit).
 * Standard is written as Intelligent-Tiering: the value always fits 4 KB, so SSM keeps the parameter Standard (free),
 * and a parameter an older version let grow to Advanced is still accepted instead of refused as a downgrade.
 */
export function createSsmStatusWriter(client: SSMClient, tier: StatusTier = 'Standard'): StatusWriter {
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
