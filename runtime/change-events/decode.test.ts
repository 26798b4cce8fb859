import { describe, expect, it } from '@jest/globals';
import { decodeParameterChange } from './decode.js';

const event = (detail: unknown, extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ 'detail-type': 'Parameter Store Change', source: 'aws.ssm', detail, ...extra });

describe('decodeParameterChange', () => {
  it('reads the name and the operation of an SSM change event', () => {
    expect(
      decodeParameterChange(event({ operation: 'Update', name: '/cs/gw/spec/firewalls/a', type: 'String' })),
    ).toEqual({ name: '/cs/gw/spec/firewalls/a', operation: 'Update' });
  });

  it.each([
    ['not JSON', '{"detail'],
    ['an array', '[]'],
    ['null', 'null'],
    ['another source', event({ operation: 'Update', name: '/a' }, { source: 'aws.ec2' })],
    ['another detail-type', event({ operation: 'Update', name: '/a' }, { 'detail-type': 'EC2 State' })],
    ['no detail', JSON.stringify({ 'detail-type': 'Parameter Store Change', source: 'aws.ssm' })],
    ['a name that is not a path', event({ operation: 'Update', name: 'a b' })],
    ['a name with an empty segment', event({ operation: 'Update', name: '/a//b' })],
    ['a numeric name', event({ operation: 'Update', name: 7 })],
    ['a strange operation', event({ operation: 'Up date', name: '/a' })],
    ['no operation', event({ name: '/a' })],
  ])('rejects %s', (_what, body) => {
    expect(decodeParameterChange(body)).toBeUndefined();
  });
});
