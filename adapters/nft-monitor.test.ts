import { describe, expect, it } from '@jest/globals';
import { firstValueFrom } from 'rxjs';
import { createNftMonitor } from './nft-monitor.js';

/** A stand-in for `nft monitor`: node running `script`, which prints what the real one would. */
const fakeMonitor = (script: string): string[] => [process.execPath, '-e', script];
const KEEP_ALIVE = 'setInterval(() => {}, 1000);';
const FOREIGN =
  'console.log("add element inet t s { 1.2.3.4 }"); console.log("# new generation 2 by process 424242 (nft)");';

async function until(what: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!what()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('nft monitor process', () => {
  it('is live once settled, and turns a foreign generation into a change of the watched table', async () => {
    const monitor = createNftMonitor({
      argv: fakeMonitor(`setTimeout(() => { ${FOREIGN} }, 400); ${KEEP_ALIVE}`),
      settleMs: 100,
    });
    const watch = monitor.watch('inet', 't');
    try {
      expect(watch.live()).toBe(false);
      await until(() => watch.live());
      const started = watch.epoch();
      await firstValueFrom(watch.changes$);
      expect(watch.epoch()).toBe(started + 1);
    } finally {
      watch.close();
    }
  });

  it('does not count a generation of its own commit', async () => {
    const monitor = createNftMonitor({
      argv: fakeMonitor(`setTimeout(() => { ${FOREIGN} }, 300); ${KEEP_ALIVE}`),
      settleMs: 50,
    });
    monitor.ownCommit(424242);
    const watch = monitor.watch('inet', 't');
    try {
      await until(() => watch.live());
      const started = watch.epoch();
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(watch.epoch()).toBe(started);
    } finally {
      watch.close();
    }
  });

  it('counts lost events on stderr, and restarts after an exit (not live meanwhile)', async () => {
    const monitor = createNftMonitor({
      argv: fakeMonitor(
        'setTimeout(() => console.error("netlink: No buffer space available"), 200); setTimeout(() => process.exit(1), 400);',
      ),
      settleMs: 50,
      backoffMs: { first: 300, max: 300 },
    });
    const watch = monitor.watch('inet', 't');
    try {
      await until(() => watch.live());
      const live = watch.epoch();
      await until(() => watch.epoch() > live);
      await until(() => !watch.live());
      const down = watch.epoch();
      await until(() => watch.live());
      expect(watch.epoch()).toBeGreaterThan(down);
    } finally {
      watch.close();
    }
  });

  it('a garbage line (nft 1.0.6 printing freed memory) ends the run, and runs that keep failing give the monitor up', async () => {
    const monitor = createNftMonitor({
      argv: fakeMonitor(
        `setTimeout(() => console.log("add element inet t s { " + "ab".repeat(20000)), 150); ${KEEP_ALIVE}`,
      ),
      settleMs: 50,
      backoffMs: { first: 50, max: 50 },
      maxFailedRuns: 2,
    });
    const watch = monitor.watch('inet', 't');
    try {
      await until(() => watch.live());
      await until(() => !watch.live());
      await until(() => watch.live());
      await until(() => !watch.live());
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(watch.live()).toBe(false);
    } finally {
      watch.close();
    }
  });

  it('never becomes live when the monitor cannot run', async () => {
    const monitor = createNftMonitor({ argv: ['/nonexistent/nft', 'monitor'], settleMs: 50 });
    const watch = monitor.watch('inet', 't');
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(watch.live()).toBe(false);
    } finally {
      watch.close();
    }
  });
});
