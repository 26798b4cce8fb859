import { readFile } from 'node:fs/promises';
import { waitFor } from '../../testing/wait.js';
import type { CommandResult, CommandRunner } from '../../runtime/ports.js';

/**
 * The network inside the IPVS VM. The VM's root namespace is the gateway (IPVS director, NAT mode):
 *   targets t1..t3 in their own namespaces on a bridge, 10.77.0.0/24, default route via the gateway;
 *   a client in its own namespace on 10.78.0.0/24, talking to the virtual service on the gateway's 10.78.0.1.
 * Each target runs a TCP responder that names itself (respond.sh).
 */
export const VIRTUAL_IP = '10.78.0.1';
export const SERVICE_PORT = 7000;
export const GATEWAY_TARGET_SIDE = '10.77.0.1';
export const TARGETS = [
  { name: 't1', address: '10.77.0.11' },
  { name: 't2', address: '10.77.0.12' },
  { name: 't3', address: '10.77.0.13' },
] as const;
export type TargetName = (typeof TARGETS)[number]['name'];

export const CLIENT = { name: 'client', address: '10.78.0.2' } as const;
const SCRIPTS = ['respond.sh', 'long-client.sh'] as const;
const signal = new AbortController().signal;

/** Runs argv in the VM and returns stdout; a non-zero exit is an error carrying stderr. */
export async function inVm(runner: CommandRunner, argv: readonly string[], input?: string): Promise<string> {
  const [file = '', ...args] = argv;
  const result: CommandResult = await runner.run(file, args, { signal, ...(input !== undefined ? { input } : {}) });
  if (result.exitCode !== 0)
    throw new Error(`VM: ${argv.join(' ')} exited ${result.exitCode}: ${result.stderr.trim()}`);
  return result.stdout;
}

export async function buildTopology(runner: CommandRunner): Promise<void> {
  for (const script of SCRIPTS) {
    const text = await readFile(new URL(`./${script}`, import.meta.url), 'utf8');
    await inVm(runner, ['tee', `/run/${script}`], text);
  }
  const rootSide = [
    'link add br0 type bridge',
    `addr add ${GATEWAY_TARGET_SIDE}/24 dev br0`,
    'link set br0 up',
    ...[...TARGETS, CLIENT].flatMap(({ name }) => [
      `netns add ${name}`,
      `link add ${name}-host type veth peer name eth0 netns ${name}`,
    ]),
    ...TARGETS.flatMap(({ name }) => [`link set ${name}-host master br0`, `link set ${name}-host up`]),
    `addr add ${VIRTUAL_IP}/24 dev client-host`,
    'link set client-host up',
  ];
  await inVm(runner, ['ip', '-batch', '-'], lines(rootSide));
  for (const { name, address } of TARGETS) {
    await configureNamespace(runner, name, address, GATEWAY_TARGET_SIDE);
    const respond = ['/bin/sh', '/run/respond.sh', name];
    await inVm(runner, background(name, 'responder', ['nc', '-ll', '-p', String(SERVICE_PORT), '-e', ...respond]));
  }
  await configureNamespace(runner, CLIENT.name, CLIENT.address, VIRTUAL_IP);
  for (const { address, name } of TARGETS)
    await waitFor(async () => (await inVm(runner, ['nc', address, String(SERVICE_PORT)])).trim() === name, {
      what: `${name}'s responder`,
      timeoutMs: 20_000,
    });
}

async function configureNamespace(runner: CommandRunner, ns: string, address: string, via: string): Promise<void> {
  const inside = [
    'link set lo up',
    'link set eth0 up',
    `addr add ${address}/24 dev eth0`,
    `route add default via ${via}`,
  ];
  await inVm(runner, ['ip', '-n', ns, '-batch', '-'], lines(inside));
}

/** argv that starts `argv` in namespace `ns` in the background, detached from the agent (its own pid file). */
export function background(ns: string, role: string, argv: readonly string[]): string[] {
  const pidFile = `/run/${ns}-${role}.pid`;
  return [
    'start-stop-daemon',
    '-S',
    '-b',
    '-m',
    '-p',
    pidFile,
    '-x',
    '/usr/sbin/ip',
    '--',
    'netns',
    'exec',
    ns,
    ...argv,
  ];
}

function lines(commands: readonly string[]): string {
  return `${commands.join('\n')}\n`;
}
