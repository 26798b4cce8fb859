import { ControllerError, type DesiredState } from '../../runtime/controller.js';
import type { SourceDestCheckAction, SourceDestCheckObserved, SourceDestCheckTarget } from './types.js';

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
