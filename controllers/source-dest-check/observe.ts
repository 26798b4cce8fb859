import type { Ec2Port } from '../../runtime/aws/ports.js';
import type { SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

/** Reads the interface the target names; no target (no resource) reads nothing. */
export async function observeSourceDestCheck(
  ec2: Ec2Port,
  target: SourceDestCheckTarget | null,
  signal: AbortSignal,
): Promise<SourceDestCheckObserved> {
  if (!target) return {};
  const eni = await ec2.describeNetworkInterface(target.networkInterfaceId, signal);
  return { networkInterfaceId: target.networkInterfaceId, ...(eni ? { networkInterface: eni } : {}) };
}
