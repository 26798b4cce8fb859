import type { DesiredState } from '../../runtime/controller.js';
import { describeDaemonAction, planDaemon } from '../../runtime/daemon/plan.js';
import type { DaemonRevision } from '../../runtime/daemon/types.js';
import { AI_GATEWAY } from './daemon.js';
import type { AiGatewayAction, AiGatewayDesired, AiGatewayObserved } from './types.js';

/**
 * The daemon kit's plan: install a new revision (checked by `csgw ai-gateway --check`), then reload it (SIGHUP) or,
 * when the data plane's restart key changed (its sockets or stores), restart. What /status says never changes the plan. Pure.
 */
export function planAiGateway(desired: DesiredState<AiGatewayDesired>, observed: AiGatewayObserved): AiGatewayAction[] {
  return planDaemon(desiredRevision(desired), observed.daemon);
}

/** The revision the kit should run, carrying the generation it was rendered from; none when the gateway is off. */
export function desiredRevision(desired: DesiredState<AiGatewayDesired>): DaemonRevision | undefined {
  const { revision, enabled } = desired.spec;
  if (!enabled || !revision) return undefined;
  return desired.generation !== undefined ? { ...revision, generation: desired.generation } : revision;
}

export function describeAction(action: AiGatewayAction): string {
  return describeDaemonAction(AI_GATEWAY, action);
}
