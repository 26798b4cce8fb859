import { randomBytes } from 'node:crypto';
import { createLabTopology, type LabTopology } from '../../lab/topology.js';
import type { Cleanup } from './cleanup.js';

/**
 * The project's lab (client / gateway / server namespaces): the gateway namespace has a default route and a
 * connected client network, so a SourceNat spec with only `enable` and `excludeDestinationCidrs` resolves fully.
 * The id is random and short (interface names are limited to 15 characters) so a leftover lab never collides.
 */
export async function createBenchLab(cleanup: Cleanup): Promise<LabTopology & { gatewayNs: string }> {
  const id = `b${randomBytes(2).toString('hex')}`;
  const lab = await createLabTopology({ gatewayNs: 'create', id });
  cleanup.add(`delete lab namespaces (${id})`, () => lab.cleanup());
  if (!lab.gatewayNs) throw new Error('lab created without a gateway namespace');
  return { ...lab, gatewayNs: lab.gatewayNs };
}
