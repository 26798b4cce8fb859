import { describe, expect, it } from '@jest/globals';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { ControllerError } from '../../runtime/controller.js';
import { toControllerError } from './ec2-errors.js';

const sdkError = (name: string, message = 'AWS said something'): Error =>
  new EC2ServiceException({ name, message, $fault: 'client', $metadata: { httpStatusCode: 400 } });

describe('toControllerError', () => {
  it.each([
    ['UnauthorizedOperation', 'MissingPermission', true],
    ['AccessDenied', 'MissingPermission', true],
    ['AccessDeniedException', 'MissingPermission', true],
    ['RequestLimitExceeded', 'Throttled', false],
    ['Throttling', 'Throttled', false],
    ['ThrottlingException', 'Throttled', false],
    ['InvalidAllocationID.NotFound', 'AllocationNotFound', true],
    ['InvalidNetworkInterfaceID.NotFound', 'NetworkInterfaceNotFound', true],
    ['InvalidRouteTableID.NotFound', 'RouteTableNotFound', true],
    ['Resource.AlreadyAssociated', 'AddressAlreadyAssociated', false],
    ['InvalidParameterValue', 'AwsApiError', false],
    ['InternalError', 'AwsApiError', false],
    ['AbortError', 'AwsApiError', false],
  ])('%s -> %s (inert %s)', (name, reason, inert) => {
    const err = toControllerError(sdkError(name), 'ReplaceRoute rtb-1 0.0.0.0/0');
    expect(err).toBeInstanceOf(ControllerError);
    expect({ reason: err.reason, inert: err.inert }).toEqual({ reason, inert });
  });

  it('matches by name, never by message', () => {
    const err = toControllerError(sdkError('InternalError', 'UnauthorizedOperation RequestLimitExceeded'), 'x');
    expect(err.reason).toBe('AwsApiError');
  });

  it('names the action and the AWS code but leaves out the AWS message', () => {
    const err = toControllerError(
      sdkError('UnauthorizedOperation', 'Encoded authorization failure message: SECRETBLOB'),
      'AssociateAddress eipalloc-1 -> eni-1',
    );
    expect(err.message).toContain('AssociateAddress eipalloc-1 -> eni-1');
    expect(err.message).toContain('UnauthorizedOperation');
    expect(err.message).not.toContain('SECRETBLOB');
  });

  it('works on plain errors shaped like SDK errors', () => {
    const plain = Object.assign(new Error('msg'), { name: 'RequestLimitExceeded', $metadata: {} });
    expect(toControllerError(plain, 'CreateTags').reason).toBe('Throttled');
  });

  it('passes a ControllerError through unchanged', () => {
    const original = new ControllerError('OperationalRoleUnavailable', 'cannot assume role', true);
    expect(toControllerError(original, 'CreateTags')).toBe(original);
  });

  it.each([[undefined], ['a string'], [42], [{ name: '' }], [{ name: 7 }]])(
    'an odd throw %p -> AwsApiError',
    (thrown) => {
      const err = toControllerError(thrown, 'CreateTags');
      expect(err.reason).toBe('AwsApiError');
      expect(err.message).toContain('UnknownError');
    },
  );
});
