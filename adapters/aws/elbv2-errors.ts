import { ControllerError } from '../../runtime/controller.js';

interface Mapping {
  reason: string;
  inert: boolean;
  hint: string;
}

const PERMISSION: Mapping = {
  reason: 'MissingPermission',
  inert: true,
  hint: 'the operational role of the load-balancer feature (role 3) lacks this permission',
};
const THROTTLED: Mapping = { reason: 'Throttled', inert: false, hint: 'AWS throttled the call' };
const API_ERROR: Mapping = { reason: 'AwsApiError', inert: false, hint: 'AWS rejected the call' };

/** ELBv2 error names (the SDK's exception names; unmodelled codes arrive as the bare code) and their reasons. */
const BY_NAME: Readonly<Record<string, Mapping>> = {
  TargetGroupNotFoundException: {
    reason: 'TargetGroupNotFound',
    inert: true,
    hint: 'no such target group in that account and region',
  },
  HealthUnavailableException: { ...API_ERROR, hint: 'ELBv2 could not read target health (internal error)' },
  AbortError: { ...API_ERROR, hint: 'the call was cancelled' },
};

const BY_PREFIX: readonly (readonly [string, Mapping])[] = [
  ['AccessDenied', PERMISSION],
  ['UnauthorizedOperation', PERMISSION],
  ['Throttling', THROTTLED],
  ['RequestLimitExceeded', THROTTLED],
];

const errorName = (err: unknown): string => {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
};

/**
 * Turns an SDK failure of `action` ("DescribeTargetHealth <arn>") into a ControllerError, by err.name only: AWS's
 * own message can carry caller ARNs and encoded authorization details. ControllerErrors (e.g. from the operational
 * role's credential provider) pass through.
 */
export function elbv2Error(err: unknown, action: string): ControllerError {
  if (err instanceof ControllerError) return err;
  const code = errorName(err);
  const mapping = BY_NAME[code] ?? BY_PREFIX.find(([prefix]) => code.startsWith(prefix))?.[1] ?? API_ERROR;
  return new ControllerError(mapping.reason, `ELBv2 ${action} failed (${code}): ${mapping.hint}`, mapping.inert);
}
