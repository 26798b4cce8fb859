// The fake ELBv2's state: target groups and their registered targets, each with its health. Pure and synchronous.
import type { TargetHealthState } from '../../runtime/aws/api-ports.js';

/** One registered target as ELBv2 reports it: an IPv4 address (ip targets) or an instance id. */
export interface FakeTarget {
  id: string;
  port: number;
  state: TargetHealthState;
  reason?: string;
  availabilityZone?: string;
}

export interface TargetGroupState {
  targetGroupArn: string;
  targets: FakeTarget[];
}

export interface Elbv2State {
  targetGroups: TargetGroupState[];
}

/** A failure with the code ELBv2 answers (TargetGroupNotFound, ValidationError, ...). */
export class Elbv2Error extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = code;
  }
}

/** What DescribeTargetHealth answers for a target it was asked about that is not registered. */
const NOT_REGISTERED = { state: 'unused', reason: 'Target.NotRegistered' } as const;

export class Elbv2Model {
  private readonly groups = new Map<string, FakeTarget[]>();

  constructor(state: Elbv2State = { targetGroups: [] }) {
    for (const g of state.targetGroups) this.setTargets(g.targetGroupArn, g.targets);
  }

  /** Replaces the group's registration and health at once; creates the group when it is new. */
  setTargets(targetGroupArn: string, targets: readonly FakeTarget[]): void {
    this.groups.set(
      targetGroupArn,
      targets.map((t) => ({ ...t })),
    );
  }

  /** Every registered target, or only the asked ones (unregistered ones as `unused`), as ELBv2 answers. */
  describeTargetHealth(targetGroupArn: string, asked: readonly { id: string; port?: number }[] = []): FakeTarget[] {
    const targets = this.groups.get(targetGroupArn);
    if (!targets) {
      throw new Elbv2Error('TargetGroupNotFound', `One or more target groups not found`);
    }
    if (asked.length === 0) return targets.map((t) => ({ ...t }));
    return asked.map((a) => {
      const found = targets.find((t) => t.id === a.id && (a.port === undefined || t.port === a.port));
      return found ? { ...found } : { id: a.id, port: a.port ?? 0, ...NOT_REGISTERED };
    });
  }

  snapshot(): Elbv2State {
    return {
      targetGroups: [...this.groups].map(([targetGroupArn, targets]) => ({
        targetGroupArn,
        targets: targets.map((t) => ({ ...t })),
      })),
    };
  }
}
