#!/usr/bin/env node
import type { CliIo } from './context.js';

/** Installs SIGINT/SIGTERM handlers only when a command waits, so Ctrl-C still kills one-shot commands at once. */
function lazyShutdownSignal(): () => AbortSignal {
  let controller: AbortController | undefined;
  return () => {
    if (!controller) {
      const c = new AbortController();
      // once: a second Ctrl-C falls back to Node's default and kills a command that hangs while closing.
      process.once('SIGINT', () => c.abort('SIGINT'));
      process.once('SIGTERM', () => c.abort('SIGTERM'));
      controller = c;
    }
    return controller.signal;
  };
}

async function main(): Promise<void> {
  // Node 20 is the runtime this release targets; the SDK's multi-line notice about Node 22 would break JSON logs.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // `csgw events | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const io: CliIo = {
    env: { ...process.env },
    stdout: process.stdout,
    stderr: process.stderr,
    shutdownSignal: lazyShutdownSignal(),
  };
  const argv = process.argv.slice(2);
  // The AI gateway's data plane loads only its own code (about half the memory of the whole CLI).
  if (argv[0] === 'ai-gateway') {
    const { runAiGatewayCommand } = await import('../ai-gateway/cli.js');
    process.exitCode = await runAiGatewayCommand(argv.slice(1), io);
    return;
  }
  const { runCli } = await import('./program.js');
  // exitCode rather than exit(): lets pending stdout writes flush when piped.
  process.exitCode = await runCli(argv, io);
}

await main();
