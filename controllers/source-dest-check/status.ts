import type { SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

export function sourceDestCheckDetails(
  target: SourceDestCheckTarget | null,
  observed: SourceDestCheckObserved,
): Record<string, unknown> {
  if (!target) return {};
  return {
    networkInterfaceId: target.networkInterfaceId,
    networkInterfaceSource: target.networkInterfaceSource,
    ...(observed.networkInterface ? { sourceDestCheck: observed.networkInterface.sourceDestCheck } : {}),
  };
}
