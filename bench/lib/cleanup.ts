/**
 * Teardown for benchmarks: every resource a benchmark creates (child processes, network namespaces, temp dirs, the
 * embedded SSM endpoint) registers how to undo itself here, and the steps run in reverse order exactly once, whether
 * the benchmark finished, threw, or was interrupted with Ctrl-C / SIGTERM.
 */
export type CleanupStep = () => Promise<void> | void;

export class Cleanup {
  private readonly steps: { name: string; fn: CleanupStep }[] = [];
  private running?: Promise<void>;

  add(name: string, fn: CleanupStep): void {
    this.steps.push({ name, fn });
  }

  /** Idempotent: a signal arriving while the normal teardown runs waits for that same teardown. */
  run(): Promise<void> {
    return (this.running ??= this.runAll());
  }

  private async runAll(): Promise<void> {
    // Reverse order: the operator must stop before the SSM endpoint and the namespace it uses go away.
    for (const step of [...this.steps].reverse()) {
      try {
        await step.fn();
      } catch (err) {
        // A failed step must not leave the later ones (namespaces, temp dirs) behind.
        process.stderr.write(`cleanup: ${step.name} failed: ${err instanceof Error ? err.message : String(err)}\n`);
      }
    }
  }
}

/**
 * Runs a benchmark's main function with a Cleanup, tearing everything down on success, failure and signals.
 * The exit code is 1 on failure and 128+signal on interruption, so scripts can tell the cases apart.
 */
export async function runBenchmark(main: (cleanup: Cleanup) => Promise<void>): Promise<void> {
  const cleanup = new Cleanup();
  const onSignal = (signal: NodeJS.Signals): void => {
    process.stderr.write(`\n${signal}: cleaning up...\n`);
    void cleanup.run().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  // `on`, not `once`: execa's exit hook (signal-exit) re-raises a signal that no other listener is left to handle,
  // which would kill this process in the middle of the teardown. A second Ctrl-C just waits for the same teardown.
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await main(cleanup);
  } catch (err) {
    process.stderr.write(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
