import type { InstanceIdentity } from '../../runtime/aws/ports.js';
import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import type { SourceDestCheckSpec } from './spec.js';
import type { SourceDestCheckAction, SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

export function resolveTarget(spec: SourceDestCheckSpec, identity: InstanceIdentity): SourceDestCheckTarget {
  return {
    networkInterfaceId: spec.networkInterfaceId ?? identity.primaryEniId,
    networkInterfaceSource: spec.networkInterfaceId ? 'spec' : 'identity',
    enabled: spec.enabled,
  };
}

/** (desired, observed) -> actions; pure. No resource plans nothing: the check keeps whatever value it has. */
export function planSourceDestCheck(
  desired: DesiredState<SourceDestCheckTarget | null>,
  observed: SourceDestCheckObserved,
): SourceDestCheckAction[] {
  const target = desired.spec;
  if (!desired.name || !target) return [];
  const eniId = target.networkInterfaceId;
  if (observed.networkInterfaceId !== eniId) {
    throw new ControllerError('ObservedStale', `observed ${observed.networkInterfaceId ?? 'nothing'}, not ${eniId}`);
  }
  const eni = observed.networkInterface;
  if (!eni) throw new ControllerError('NetworkInterfaceNotFound', `network interface ${eniId} not found`, true);
  if (eni.sourceDestCheck === target.enabled) return [];
  return [{ op: 'setSourceDestCheck', networkInterfaceId: eniId, enabled: target.enabled }];
}

export function describeSourceDestCheckAction(action: SourceDestCheckAction): string {
  const state = (on: boolean): string => (on ? 'on' : 'off');
  return `turn source/destination check ${state(action.enabled)} on ${action.networkInterfaceId} (was ${state(!action.enabled)})`;
}

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
