import { describe, expect, it } from '@jest/globals';
import { parseTargetGroupArn } from './target-group-arn.js';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/web/0123456789abcdef';

describe('parseTargetGroupArn', () => {
  it('reads region and account, and refuses anything that is not a target group', () => {
    expect(parseTargetGroupArn(ARN)).toEqual({
      partition: 'aws',
      region: 'eu-west-1',
      accountId: '210987654321',
      name: 'web',
    });
    for (const bad of [
      `${ARN}0`,
      'arn:aws:elasticloadbalancing:eu-west-1:210987654321:loadbalancer/net/web/0123456789abcdef',
      'arn:aws:elasticloadbalancing:eu-west-1:21098765432:targetgroup/web/0123456789abcdef',
      `${ARN}\n`,
      'arn:aws:elasticloadbalancing:eu-west-1:210987654321:targetgroup/-web/0123456789abcdef',
    ])
      expect(parseTargetGroupArn(bad)).toBeUndefined();
  });

  it('reads the partitions and regions of every AWS partition', () => {
    const arn = 'arn:aws-iso-b:elasticloadbalancing:us-isob-east-1:210987654321:targetgroup/a/0123456789abcdef';
    expect(parseTargetGroupArn(arn)).toMatchObject({ partition: 'aws-iso-b', region: 'us-isob-east-1' });
    const gov = 'arn:aws-us-gov:elasticloadbalancing:us-gov-west-1:210987654321:targetgroup/a/0123456789abcdef';
    expect(parseTargetGroupArn(gov)).toMatchObject({ partition: 'aws-us-gov', region: 'us-gov-west-1' });
  });
});
