import { loadBalancerKind } from '../../crds-equivalent/load-balancer.js';
import { cidrContains } from '../../runtime/net/cidr.js';
import { parseTargetGroupArn } from '../../runtime/aws/target-group-arn.js';
import { SpecValidator, type Validation } from '../../runtime/spec-validation.js';
import type { HealthCheckSpec, MembershipSpec, TargetsSpec } from './membership/types.js';

export type LbProtocol = 'TCP' | 'UDP';
export type Scheduler = 'rr' | 'wrr' | 'lc' | 'wlc' | 'sh' | 'mh';

export interface ListenerSpec {
  protocol: LbProtocol;
  port: number;
  /** undefined: any of the gateway's own addresses (`fib daddr type local`). */
  address?: string;
}

/** One LoadBalancer resource's spec after schema validation, defaults applied (healthCheck resolved here). */
export interface LoadBalancerSpec {
  listener: ListenerSpec;
  targets: TargetsSpec;
  scheduler: Scheduler;
  healthCheck: HealthCheckSpec;
  syncIntervalSeconds: number;
  drainTimeoutSeconds: number;
  sourceNat: boolean;
}

type RawSpec = Omit<LoadBalancerSpec, 'healthCheck'> & { healthCheck?: Partial<HealthCheckSpec> };

const validator = new SpecValidator([loadBalancerKind]);

/** Never a reachable target: "this network", loopback, multicast, and 240/4. */
const NOT_UNICAST = ['0.0.0.0/8', '127.0.0.0/8', '224.0.0.0/4', '240.0.0.0/4'];

const TCP_DEFAULTS = { intervalSeconds: 10, timeoutSeconds: 5, healthyThreshold: 3, unhealthyThreshold: 3 };

/** Schema validation, then what a schema cannot say: the ARN's shape, unicast targets, unique targets. */
export function validateLoadBalancerSpec(raw: unknown): Validation<LoadBalancerSpec> {
  const result = validator.validate<RawSpec>(loadBalancerKind, raw);
  if (!result.ok) return result;
  const spec = { ...result.value, healthCheck: resolveHealthCheck(result.value) };
  const errors = [...checkListener(spec.listener), ...checkTargets(spec), ...checkHealthCheck(spec)];
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: spec };
}

function resolveHealthCheck(spec: RawSpec): HealthCheckSpec {
  const given = spec.healthCheck;
  if (given?.source === 'tcp') return { ...TCP_DEFAULTS, ...given, source: 'tcp' };
  if (given?.source === 'none' || given?.source === 'targetGroup') return { source: given.source };
  return 'targetGroupArn' in spec.targets ? { source: 'targetGroup' } : { source: 'none' };
}

function checkListener(listener: ListenerSpec): string[] {
  const { address } = listener;
  if (address === undefined || !NOT_UNICAST.some((cidr) => cidrContains(cidr, address))) return [];
  return [`spec.listener.address: ${address} is not a unicast address of the gateway`];
}

function checkTargets(spec: LoadBalancerSpec): string[] {
  const { targets } = spec;
  if ('targetGroupArn' in targets) {
    return parseTargetGroupArn(targets.targetGroupArn)
      ? []
      : [
          `spec.targets.targetGroupArn: ${JSON.stringify(targets.targetGroupArn)} is not a target group ARN ` +
            '(arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>)',
        ];
  }
  const errors: string[] = [];
  const seen = new Map<string, number>();
  targets.static.forEach((target, i) => {
    const field = `spec.targets.static[${i}]`;
    if (NOT_UNICAST.some((cidr) => cidrContains(cidr, target.address)))
      errors.push(`${field}.address: ${target.address} is not a unicast host address`);
    const key = `${target.address}:${target.port ?? spec.listener.port}`;
    const first = seen.get(key);
    if (first !== undefined) errors.push(`${field}: ${key} is already listed at spec.targets.static[${first}]`);
    else seen.set(key, i);
  });
  return errors;
}

function checkHealthCheck(spec: LoadBalancerSpec): string[] {
  if (spec.healthCheck.source === 'targetGroup' && !('targetGroupArn' in spec.targets))
    return ['spec.healthCheck.source: targetGroup needs spec.targets.targetGroupArn; static targets use tcp or none'];
  if (spec.healthCheck.source === 'tcp' && spec.listener.protocol === 'UDP')
    return ['spec.healthCheck.source: tcp checks cannot tell whether a UDP target serves; use none or targetGroup'];
  return [];
}

/** What the membership tracker is given for one resource. */
export function membershipSpecOf(spec: LoadBalancerSpec): MembershipSpec {
  return {
    targets: spec.targets,
    defaultPort: spec.listener.port,
    healthCheck: spec.healthCheck,
    syncIntervalSeconds: spec.syncIntervalSeconds,
  };
}
