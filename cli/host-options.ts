import type { Command } from 'commander';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createControllers, type HostFacts } from '../controllers/index.js';
import type { AnyController } from '../runtime/controller.js';
import { checkCidrList } from '../runtime/net/cidr.js';
import { CliError, type CliContext } from './context.js';

/** What `csgw run` and `csgw diff` must agree on, so a diff plans exactly what the operator would. */
export interface HostOptions {
  vpcCidr: string[];
  netns?: string;
}

export function addHostOptions(command: Command, ctx: CliContext): Command {
  return command
    .option(
      '--vpc-cidr <cidr...>',
      'the VPC CIDRs (default SourceNat sources); env CSGW_VPC_CIDRS, comma-separated',
      ctx.env.CSGW_VPC_CIDRS?.split(',').filter(Boolean) ?? [],
    )
    .option(
      '--netns <name>',
      'manage this network namespace instead of the host (labs, tests); env CSGW_NETNS',
      ctx.env.CSGW_NETNS,
    );
}

/** Fails with every problem of the host options, before anything is started or read. */
export function checkHostOptions(opts: HostOptions): void {
  const cidrErrors = checkCidrList('--vpc-cidr', opts.vpcCidr);
  if (cidrErrors.length > 0) throw new CliError(cidrErrors.join('\n'));
}

/** The node's controllers wired to the real ports, after checking the host options. */
export function hostControllers(opts: HostOptions, aws?: HostFacts['aws']): AnyController[] {
  checkHostOptions(opts);
  return createControllers(createExecRunner(), {
    vpcCidrs: opts.vpcCidr,
    ...(opts.netns ? { netns: opts.netns } : {}),
    ...(aws ? { aws } : {}),
  });
}
