import { isAbsolute } from 'node:path';
import type { Command } from 'commander';
import { createExecRunner } from '../adapters/exec-runner.js';
import { createControllers, DEFAULT_DAEMONS, DEFAULT_VLLM_COMMAND } from '../composition/controllers.js';
import { DEFAULT_MAX_RULES as DEFAULT_MAX_FIREWALL_RULES } from '../controllers/firewall/decode.js';
import { DEFAULT_MAX_RULES as DEFAULT_MAX_PORT_FORWARDS } from '../controllers/port-forward/names.js';
import type { ClusterAws } from '../composition/cluster.js';
import type { AnyController } from '../runtime/controller.js';
import { checkCidrList } from '../runtime/net/cidr.js';
import { CliError, type CliContext } from './context.js';

/** What `csgw run` and `csgw diff` must agree on, so a diff plans exactly what the operator would. */
export interface HostOptions {
  vpcCidr: string[];
  netns?: string;
  maxFirewallRules: string;
  maxPortForwards: string;
  daemonDir: string;
  stateDir: string;
  keepDaemons?: boolean;
  vllmCommand: string[];
  assumeGpu?: boolean;
}

const LIMIT_MAX = 1_000_000;
/** Beside the supervised daemons' files: one directory holds everything this instance keeps locally. */
export const DEFAULT_STATE_DIR = '/var/lib/csgw';

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
    )
    .option(
      '--max-firewall-rules <n>',
      'most FirewallPolicy rules (all resources); the resource going over is rejected; env CSGW_MAX_FIREWALL_RULES',
      ctx.env.CSGW_MAX_FIREWALL_RULES ?? String(DEFAULT_MAX_FIREWALL_RULES),
    )
    .option(
      '--max-port-forwards <n>',
      'most PortForward rules (all resources); the resource going over is rejected; env CSGW_MAX_PORT_FORWARDS',
      ctx.env.CSGW_MAX_PORT_FORWARDS ?? String(DEFAULT_MAX_PORT_FORWARDS),
    )
    .option(
      '--daemon-dir <path>',
      'config, cache, logs and pid files of supervised daemons (squid); env CSGW_DAEMON_DIR',
      ctx.env.CSGW_DAEMON_DIR ?? DEFAULT_DAEMONS.dir,
    )
    .option(
      '--state-dir <path>',
      "this instance's local state: the identity of the store it reconciles from and that store's last specs; env CSGW_STATE_DIR",
      ctx.env.CSGW_STATE_DIR ?? DEFAULT_STATE_DIR,
    )
    .option(
      '--keep-daemons',
      'leave supervised daemons serving when the operator stops (the next operator adopts them); env CSGW_KEEP_DAEMONS=true',
      ['1', 'true'].includes(ctx.env.CSGW_KEEP_DAEMONS ?? ''),
    )
    .option(
      '--vllm-command <argv...>',
      "the command that runs vLLM's CLI (LocalModel appends `serve --config <file>`); env CSGW_VLLM_COMMAND, a JSON array",
      vllmFromEnv(ctx.env.CSGW_VLLM_COMMAND),
    )
    .option(
      '--assume-gpu',
      'TEST OPTION: treat this host as having a GPU, so LocalModel runs --vllm-command (a fake vLLM) here; env CSGW_ASSUME_GPU=true',
      ['1', 'true'].includes(ctx.env.CSGW_ASSUME_GPU ?? ''),
    );
}

function vllmFromEnv(value: string | undefined): string[] {
  if (!value) return [...DEFAULT_VLLM_COMMAND];
  try {
    const argv = JSON.parse(value) as unknown;
    if (Array.isArray(argv) && argv.length > 0 && argv.every((a) => typeof a === 'string')) return argv;
  } catch {
    // A plain path, not JSON.
  }
  return [value];
}

/** Fails with every problem of the host options, before anything is started or read. */
export function checkHostOptions(opts: HostOptions): void {
  const errors = [
    ...checkCidrList('--vpc-cidr', opts.vpcCidr),
    ...checkLimit('--max-firewall-rules', opts.maxFirewallRules),
    ...checkLimit('--max-port-forwards', opts.maxPortForwards),
    ...(isAbsolute(opts.daemonDir) ? [] : [`--daemon-dir: ${opts.daemonDir} is not an absolute path`]),
    ...(isAbsolute(opts.stateDir) ? [] : [`--state-dir: ${opts.stateDir} is not an absolute path`]),
    ...(opts.vllmCommand.length > 0 && opts.vllmCommand.every((a) => a !== '')
      ? []
      : ['--vllm-command: an argument vector of non-empty strings']),
  ];
  if (errors.length > 0) throw new CliError(errors.join('\n'));
}

function checkLimit(flag: string, value: string): string[] {
  const n = Number(value);
  return /^\d+$/.test(value) && n >= 1 && n <= LIMIT_MAX ? [] : [`${flag}: ${value} is not a number 1-${LIMIT_MAX}`];
}

/** The node's controllers wired to the real ports, after checking the host options. */
export function hostControllers(
  opts: HostOptions,
  aws?: ClusterAws,
  onSpawn?: (program: string) => void,
): AnyController[] {
  checkHostOptions(opts);
  return createControllers(createExecRunner(onSpawn ? { onSpawn } : {}), {
    vpcCidrs: opts.vpcCidr,
    limits: { firewallRules: Number(opts.maxFirewallRules), portForwards: Number(opts.maxPortForwards) },
    daemons: { dir: opts.daemonDir, onShutdown: opts.keepDaemons ? 'keep' : 'stop' },
    ...(opts.netns ? { netns: opts.netns } : {}),
    ...(aws ? { aws, awsApis: aws.awsApis } : {}),
    localInference: { command: opts.vllmCommand, assumeGpu: opts.assumeGpu ?? false },
  });
}
