import type { Ec2Port } from '../../runtime/aws/ports.js';
import type { SourceDestCheckAction } from './types.js';

export async function applySourceDestCheck(
  ec2: Ec2Port,
  actions: readonly SourceDestCheckAction[],
  signal: AbortSignal,
): Promise<void> {
  for (const a of actions) await ec2.setSourceDestCheck(a.networkInterfaceId, a.enabled, signal);
}
