import { ControllerError } from '../../runtime/controller.js';
import type { MembershipSnapshot, MembershipSpec, MembershipTracker } from './membership/types.js';

/**
 * The membership tracker until the ELBv2 one is wired: static targets are all healthy; a target group cannot be
 * read (AwsApiUnavailable), so its service keeps whatever the kernel has and says why.
 */
export function staticOnlyMembership(clock: () => Date = () => new Date()): MembershipTracker {
  return {
    current(_resource: string, spec: MembershipSpec): Promise<MembershipSnapshot> {
      if ('targetGroupArn' in spec.targets) {
        const error = new ControllerError('AwsApiUnavailable', 'target groups are not read yet: ELBv2 is not wired');
        return Promise.resolve({ members: [], error: { reason: error.reason, message: error.message } });
      }
      const members = spec.targets.static.map((t) => ({
        address: t.address,
        port: t.port ?? spec.defaultPort,
        health: 'healthy' as const,
        weight: t.weight ?? 1,
      }));
      return Promise.resolve({ members, syncedAt: clock().toISOString() });
    },
    forget(): void {},
  };
}
