import { execa, type Result } from 'execa';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandRunner } from '../../runtime/ports.js';
import { createAgentChannel } from './ipvs-vm-agent.js';

/**
 * A throwaway VM with a kernel that has ip_vs (this host's has not): Debian 12's stock kernel under
 * `qemu-system-x86_64 -accel tcg`, built by scripts/ipvs-vm/build.sh. Its runner executes argv inside the VM, so the
 * real adapters work through it unchanged. The host's temp directory is mounted read-only at the same path inside,
 * so a host file named in argv (`nft -f <tmpfile>`) is the same file in the VM.
 */
export interface IpvsVm {
  runner: CommandRunner;
  /** The serial console so far: kernel messages and the stderr of init and the agent. */
  console(): Promise<string>;
  /** Kills qemu and removes its run directory; safe to call twice. */
  stop(): Promise<void>;
}

export interface IpvsVmOptions {
  /** From qemu's start to the agent's greeting; TCG boots in ~5 s here, a loaded CI host may need many times that. */
  bootTimeoutMs?: number;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const imageDir = join(repoRoot, '.cache/ipvs-vm');
// qemu splits options on commas and the kernel its command line on spaces: paths must be plain.
const PLAIN_PATH = /^\/[A-Za-z0-9._/-]+$/;

export async function startIpvsVm(opts: IpvsVmOptions = {}): Promise<IpvsVm> {
  await execa('bash', [join(repoRoot, 'scripts/ipvs-vm/build.sh')]);
  const share = tmpdir();
  if (!PLAIN_PATH.test(share)) throw new Error(`IPVS VM: the temp directory ${share} is not a plain path`);
  const runDir = await mkdtemp(join(share, 'csgw-ipvs-vm-'));
  const consolePath = join(runDir, 'console.log');
  const socketPath = join(runDir, 'agent.sock');
  const qemu = execa('qemu-system-x86_64', qemuArgs({ share, consolePath, socketPath }), {
    reject: false,
    stdin: 'ignore',
  });
  // A test process that dies without stop() must not leave qemu spinning on a shared 2-core host.
  const killOnExit = (): void => void qemu.kill('SIGKILL');
  process.once('exit', killOnExit);
  const readConsole = (): Promise<string> => readFile(consolePath, 'utf8').catch(() => '');
  let socket: Socket | undefined;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    socket?.destroy();
    qemu.kill('SIGKILL');
    await qemu;
    process.off('exit', killOnExit);
    await rm(runDir, { recursive: true, force: true });
  };

  try {
    socket = await connectWhileRunning(socketPath, qemu);
    const channel = createAgentChannel(socket);
    const exited = (why: string) => async (): Promise<void> =>
      channel.fail(new Error(`IPVS VM ${why}\n${consoleTail(await readConsole())}`));
    void qemu.then(exited('qemu exited'));
    socket.on('close', () => void exited('agent channel closed')());
    await withTimeout(channel.ready, opts.bootTimeoutMs ?? 120_000, 'the agent to greet');
    return { runner: channel.runner, console: readConsole, stop };
  } catch (error) {
    const text = await readConsole();
    const result = await stop().then(() => qemu);
    const reason = error instanceof Error ? error.message : String(error);
    const detail = `${reason}\nqemu: ${String(result.stderr).trim()}\n${consoleTail(text)}`;
    throw new Error(`IPVS VM did not start: ${detail}`, { cause: error });
  }
}

function qemuArgs(paths: { share: string; consolePath: string; socketPath: string }): string[] {
  const { share, consolePath, socketPath } = paths;
  return [
    ...['-accel', 'tcg', '-m', '256', '-smp', '1'],
    ...['-display', 'none', '-nodefaults', '-no-reboot'],
    ...['-serial', `file:${consolePath}`],
    ...['-kernel', join(imageDir, 'vmlinuz'), '-initrd', join(imageDir, 'initramfs.cpio.gz')],
    ...['-append', `console=ttyS0 panic=-1 loglevel=4 csgw.share=${share}`],
    ...['-device', 'virtio-serial-pci'],
    ...['-chardev', `socket,id=agent,path=${socketPath},server=on,wait=on`],
    ...['-device', 'virtserialport,chardev=agent,name=csgw.agent'],
    ...['-virtfs', `local,path=${share},mount_tag=hostshare,security_model=none,readonly=on`],
  ];
}

/**
 * With wait=on qemu starts the guest only once this connects, so the agent never reads before the host is there
 * (a virtio port reads end-of-input while its host side is closed, and the agent then powers the VM off: a test
 * process that dies without stop() leaves no VM running). Retry until the socket exists, unless qemu died first.
 */
async function connectWhileRunning(path: string, qemu: Promise<Result>): Promise<Socket> {
  let exited = false;
  void qemu.then(() => (exited = true));
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      return await new Promise<Socket>((resolvePromise, reject) => {
        const socket = connect(path, () => resolvePromise(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (exited) throw new Error('qemu exited before its agent socket appeared', { cause: error });
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function consoleTail(text: string, lines = 60): string {
  return `--- VM console (last ${lines} lines) ---\n${text.trimEnd().split('\n').slice(-lines).join('\n')}`;
}
