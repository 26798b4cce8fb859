// One reading of a target group ARN for the spec check (controllers/load-balancer) and the ELBv2 client's choice of
// region and account (adapters/aws/elbv2.ts): an ARN the spec admits is one the adapter can call for.

export interface TargetGroupArn {
  partition: string;
  region: string;
  accountId: string;
  name: string;
}

/** arn:<partition>:elasticloadbalancing:<region>:<account>:targetgroup/<name>/<id>, nothing else. */
const TARGET_GROUP_ARN =
  /^arn:(aws(?:-[a-z]+)*):elasticloadbalancing:([a-z]{2}(?:-[a-z]+)+-\d{1,2}):(\d{12}):targetgroup\/([A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?)\/[0-9a-f]{16}$/;

export function parseTargetGroupArn(arn: string): TargetGroupArn | undefined {
  const m = TARGET_GROUP_ARN.exec(arn);
  if (!m) return undefined;
  const [, partition = '', region = '', accountId = '', name = ''] = m;
  return { partition, region, accountId, name };
}
