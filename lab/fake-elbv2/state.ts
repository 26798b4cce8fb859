// The fake ELBv2's state file ({ targetGroups: [{ targetGroupArn, targets: [{ id, port, state, reason? }] }] }) and the
// body of POST /_targets ({ targetGroupArn, targets }), checked alike: what the SDK will parse must be well formed.
import { readFile } from 'node:fs/promises';
import { parseTargetGroupArn } from '../../runtime/aws/target-group-arn.js';
import type { TargetHealthState } from '../../runtime/aws/api-ports.js';
import type { Elbv2State, FakeTarget, TargetGroupState } from './model.js';

const STATES: readonly TargetHealthState[] = ['initial', 'healthy', 'unhealthy', 'unused', 'draining', 'unavailable'];
/** ip targets (IPv4), instance ids, and ALB/Lambda ARNs (so the adapter's refusal of them can be shown). */
const TARGET_ID = /^((\d{1,3}\.){3}\d{1,3}|i-[0-9a-f]{8,17}|arn:[A-Za-z0-9:/._-]{1,200})$/;
/** ELBv2's reason codes: Target.FailedHealthChecks, Elb.InitialHealthChecking, ... */
const REASON = /^[A-Za-z]+\.[A-Za-z]+$/;
const AZ = /^[a-z]{2}(-gov)?-[a-z]+-\d{1,2}[a-z]$/;

type Item = Record<string, unknown>;

const isItem = (value: unknown): value is Item => typeof value === 'object' && value !== null && !Array.isArray(value);

const isPort = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
const matches = (v: unknown, pattern: RegExp): v is string => typeof v === 'string' && pattern.test(v);
const optional = (v: unknown, pattern: RegExp): boolean => v === undefined || matches(v, pattern);

/** Each field's check and the message naming it when it fails. */
const CHECKS: readonly [string, (v: unknown) => boolean, string][] = [
  ['id', (v) => matches(v, TARGET_ID), 'must be an IPv4 address, an instance id or an ARN'],
  ['port', isPort, 'must be a port number 1-65535'],
  ['state', (v) => (STATES as readonly unknown[]).includes(v), `must be one of ${STATES.join(', ')}`],
  ['reason', (v) => optional(v, REASON), 'must be an ELBv2 reason code such as Target.FailedHealthChecks'],
  ['availabilityZone', (v) => optional(v, AZ), 'must be a zone name such as us-east-1a'],
];

function target(raw: unknown, where: string): FakeTarget {
  if (!isItem(raw)) throw new Error(`${where} must be an object`);
  for (const [key, ok, message] of CHECKS) if (!ok(raw[key])) throw new Error(`${where}.${key} ${message}`);
  const { id, port, state, reason, availabilityZone } = raw as unknown as FakeTarget;
  return {
    id,
    port,
    state,
    ...(reason === undefined ? {} : { reason }),
    ...(availabilityZone === undefined ? {} : { availabilityZone }),
  };
}

/** One group: `{ targetGroupArn, targets }` (the /_targets body and each state file entry). */
export function parseTargetGroup(raw: unknown, where = 'body'): TargetGroupState {
  if (!isItem(raw)) throw new Error(`${where} must be a JSON object`);
  const { targetGroupArn, targets } = raw;
  if (typeof targetGroupArn !== 'string' || !parseTargetGroupArn(targetGroupArn))
    throw new Error(`${where}.targetGroupArn must be a target group ARN`);
  if (!Array.isArray(targets)) throw new Error(`${where}.targets must be an array`);
  return { targetGroupArn, targets: targets.map((t, i) => target(t, `${where}.targets[${i}]`)) };
}

export function parseState(raw: unknown): Elbv2State {
  if (!isItem(raw)) throw new Error('state: must be a JSON object');
  const groups = raw['targetGroups'] ?? [];
  if (!Array.isArray(groups)) throw new Error('state: targetGroups must be an array');
  return { targetGroups: groups.map((g, i) => parseTargetGroup(g, `state: targetGroups[${i}]`)) };
}

export async function loadState(path: string): Promise<Elbv2State> {
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`state: ${path} is not JSON: ${(err as Error).message}`, { cause: err });
  }
  return parseState(raw);
}
