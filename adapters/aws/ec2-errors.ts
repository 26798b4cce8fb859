import { ControllerError } from '../../runtime/controller.js';

interface Mapping {
  reason: string;
  inert: boolean;
  hint: string;
}

const PERMISSION: Mapping = {
  reason: 'MissingPermission',
  inert: true,
  hint: 'the role in use (instance role, or the operational role for AzRoutes) lacks this permission',
};
const THROTTLED: Mapping = { reason: 'Throttled', inert: false, hint: 'AWS throttled the call' };
const API_ERROR: Mapping = { reason: 'AwsApiError', inert: false, hint: 'AWS rejected the call' };

/** Exact AWS error codes (err.name) and the reason each becomes: the table in runtime/aws/ports.ts. */
const BY_CODE: Readonly<Record<string, Mapping>> = {
  UnauthorizedOperation: PERMISSION,
  RequestLimitExceeded: THROTTLED,
  'InvalidAllocationID.NotFound': { reason: 'AllocationNotFound', inert: true, hint: 'no such Elastic IP allocation' },
  'InvalidNetworkInterfaceID.NotFound': {
    reason: 'NetworkInterfaceNotFound',
    inert: true,
    hint: 'no such network interface',
  },
  'InvalidRouteTableID.NotFound': { reason: 'RouteTableNotFound', inert: true, hint: 'no such route table' },
  'Resource.AlreadyAssociated': {
    reason: 'AddressAlreadyAssociated',
    inert: false,
    hint: 'the address is associated elsewhere',
  },
  // A deadline or shutdown cancelled the call: not AWS's answer, but retrying with backoff is still right.
  AbortError: { ...API_ERROR, hint: 'the call was cancelled' },
};

/** Code families AWS extends over time (AccessDeniedException, ThrottlingException, ...). */
const BY_PREFIX: readonly (readonly [string, Mapping])[] = [
  ['AccessDenied', PERMISSION],
  ['Throttling', THROTTLED],
];

const mappingOf = (code: string): Mapping =>
  BY_CODE[code] ?? BY_PREFIX.find(([prefix]) => code.startsWith(prefix))?.[1] ?? API_ERROR;

const errorName = (err: unknown): string => {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name !== '' ? name : 'UnknownError';
};

/**
 * Turns an SDK failure of `action` (e.g. "AssociateAddress eipalloc-1") into a ControllerError, by err.name only.
 * The message names the action and the AWS code but not AWS's own message, which can carry encoded authorization
 * details and caller ARNs. A ControllerError (e.g. OperationalRoleUnavailable raised by a credential provider)
 * passes through unchanged.
 */
export function toControllerError(err: unknown, action: string): ControllerError {
  if (err instanceof ControllerError) return err;
  const code = errorName(err);
  const mapping = mappingOf(code);
  return new ControllerError(mapping.reason, `EC2 ${action} failed (${code}): ${mapping.hint}`, mapping.inert);
}
