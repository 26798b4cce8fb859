/**
 * The context every `csgw` command receives.
 *
 * Registration API: each file in cli/commands/ exports `register<Name>(program: Command, ctx: CliContext): void`
 * and adds its subcommand with `program.command(...)` (not `addCommand`, so it inherits the program's output and
 * exit handling). Actions never touch `process`: they read the environment from `ctx.env`, print through
 * `ctx.stdout`/`ctx.stderr`, read the global options lazily with `ctx.globals()` (they are only known once
 * commander has parsed argv), and signal failure by throwing a `CliError` (or any Error: exit code 1).
 * `withSsm(ctx, fn)` opens the SSM connection the global options describe and always closes it.
 * Long-running commands wait on `ctx.shutdownSignal()`, which aborts on SIGINT/SIGTERM in the real binary and
 * under a test's control in-process.
 */
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { Env, GlobalOptions } from '../runtime/config.js';
import { resolveSsmTarget } from '../runtime/config.js';
import { gatewayPaths, type GatewayPaths } from '../runtime/paths.js';
import { openSsm, type SsmConnection } from '../composition/ssm-connection.js';

/** Anything text can be written to: process.stdout, or a test's buffer. */
export interface Writer {
  write(text: string): unknown;
}

/** What the process hands to the CLI; everything else is derived from it. */
export interface CliIo {
  env: Env;
  stdout: Writer;
  stderr: Writer;
  /** Aborted when the user asks the process to stop. Only called by commands that wait; may install handlers. */
  shutdownSignal(): AbortSignal;
}

export interface CliContext extends CliIo {
  /** The parsed global options; valid inside command actions. */
  globals(): GlobalOptions;
}

/** A failure the user caused or must act on: printed as `Error: <message>` with the given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** Opens SSM for the global options, runs fn, and closes the connection whatever happens. */
export async function withSsm<T>(
  ctx: CliContext,
  fn: (client: SSMClient, conn: SsmConnection) => Promise<T>,
): Promise<T> {
  const conn = await openSsm(resolveSsmTarget(ctx.globals(), ctx.env), { timeouts: ctx.globals().timeouts });
  try {
    return await fn(conn.client, conn);
  } finally {
    await conn.close();
  }
}

/** The SSM paths of the gateway the global options select. */
export function currentPaths(ctx: CliContext): GatewayPaths {
  return gatewayPaths(ctx.globals().prefix, ctx.globals().gateway);
}

/** True when err is the AWS service error with this name (never match on messages: they change). */
export function isAwsError(err: unknown, name: string): boolean {
  return errorField(err, 'name') === name;
}

/**
 * The message of anything thrown. Errors are recognised by shape, not instanceof: errors made by Node's own
 * realm (fetch, fs) fail `instanceof Error` inside test sandboxes and other realms.
 */
export function errorMessage(err: unknown): string {
  const message = errorField(err, 'message');
  return typeof message === 'string' && message !== '' ? message : String(err);
}

export function errorField(err: unknown, field: 'name' | 'message' | 'code' | 'cause'): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[field] : undefined;
}

/** Resolves when the signal aborts (immediately if it already has). */
export function waitForAbort(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}
