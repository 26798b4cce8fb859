import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { KindDefinition } from '../crds-equivalent/index.js';
import { specPath, type GatewayPaths } from './paths.js';

export interface BootstrapResult {
  kind: string;
  name: string;
  created: boolean;
}

/**
 * Creates each kind's bootstrap resource unless one of that name exists. PutParameter without Overwrite makes this
 * safe for a whole fleet booting at once: exactly one instance creates it, the others get ParameterAlreadyExists.
 */
export async function bootstrapDefaults(
  client: SSMClient,
  paths: GatewayPaths,
  kinds: readonly KindDefinition[],
): Promise<BootstrapResult[]> {
  const results: BootstrapResult[] = [];
  for (const kind of kinds) {
    if (!kind.bootstrap) continue;
    const { name, spec } = kind.bootstrap;
    try {
      await client.send(
        new PutParameterCommand({
          Name: specPath(paths, kind, name),
          Value: JSON.stringify(spec),
          Type: 'String',
          Overwrite: false,
        }),
      );
      results.push({ kind: kind.kind, name, created: true });
    } catch (err) {
      if ((err as Error).name !== 'ParameterAlreadyExists') throw err;
      results.push({ kind: kind.kind, name, created: false });
    }
  }
  return results;
}
