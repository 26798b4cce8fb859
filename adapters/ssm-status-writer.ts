import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { StatusWriter } from '../runtime/status-publisher.js';

/** Status documents may outgrow 4 KB as controllers are added: Intelligent-Tiering picks Advanced only then. */
export function createSsmStatusWriter(client: SSMClient): StatusWriter {
  return async (name, value) => {
    await client.send(
      new PutParameterCommand({
        Name: name,
        Value: value,
        Type: 'String',
        Overwrite: true,
        Tier: 'Intelligent-Tiering',
      }),
    );
  };
}
