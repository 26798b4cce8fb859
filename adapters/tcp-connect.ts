import { connect, isIPv4 } from 'node:net';
import type { CommandRunner, TcpConnectCheck } from '../runtime/ports.js';

/**
 * Connects in this process's namespace: true once the handshake completes, false on refusal, error or timeout. The
 * socket is always destroyed: a health check sends nothing.
 */
export function connectHere(address: string, port: number, timeoutMs: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const socket = connect({ host: address, port });
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', abort);
      socket.destroy();
      resolve(ok);
    };
    const abort = (): void => done(false);
    const timer = setTimeout(abort, timeoutMs);
    signal.addEventListener('abort', abort, { once: true });
    socket.once('connect', () => done(true));
    socket.once('error', abort);
  });
}

/**
 * The connect of connectHere as a fixed program for a child node (argv: address port timeoutMs), so a runner bound
 * to another network namespace can run it there. No value is ever spliced into it.
 */
export const CONNECT_PROGRAM = [
  "const s = require('node:net').connect({ host: process.argv[1], port: Number(process.argv[2]) });",
  'setTimeout(() => process.exit(1), Number(process.argv[3])).unref();',
  "s.once('connect', () => process.exit(0));",
  "s.once('error', () => process.exit(1));",
].join('\n');

/** Only what a target can be: the values go to a child process as argv, checked anyway. */
const valid = (address: string, port: number, timeoutMs: number): boolean =>
  isIPv4(address) && Number.isInteger(port) && port > 0 && port < 65536 && Number.isInteger(timeoutMs) && timeoutMs > 0;

/**
 * The LoadBalancer's TCP health check. Without a runner it connects in-process (the operator manages its own
 * namespace). With a namespace-bound runner (`--netns`: labs, tests) each check runs CONNECT_PROGRAM in a child node
 * there, as the daemon probes run curl there; never a shell.
 */
export function createTcpCheck(inNamespace?: CommandRunner): TcpConnectCheck {
  return async (address, port, timeoutMs, signal) => {
    if (!valid(address, port, timeoutMs) || signal.aborted) return false;
    if (!inNamespace) return connectHere(address, port, timeoutMs, signal);
    const argv = ['-e', CONNECT_PROGRAM, address, String(port), String(timeoutMs)];
    try {
      return (await inNamespace.run(process.execPath, argv, { signal })).exitCode === 0;
    } catch {
      return false;
    }
  };
}
