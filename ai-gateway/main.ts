import { createLogger } from '../runtime/logger.js';
import { startGateway } from './daemon.js';
import { loadConfig } from './load-config.js';

interface Io {
  check: boolean;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * `csgw ai-gateway --config <file>`: runs until SIGTERM/SIGINT (drains, then exits 0). SIGHUP reloads the config,
 * The audit log rotates itself (by size and age). With `--check`, validates the file and answers 0 or 1.
 */
export async function runAiGateway(configPath: string, io: Io): Promise<number> {
  if (io.check) {
    const loaded = await loadConfig(configPath);
    if (loaded.ok) return (io.stdout.write(`${configPath}: valid (revision ${loaded.hash})\n`), 0);
    io.stderr.write(loaded.errors.map((e) => `${configPath}: ${e}\n`).join(''));
    return 1;
  }
  const log = createLogger(process.env.CSGW_LOG_LEVEL ?? 'info').child({ component: 'ai-gateway' });
  const gateway = await startGateway(configPath, log);
  const reload = (): void => void gateway.reload().catch((err: unknown) => log.error({ err }, 'reload failed'));
  process.on('SIGHUP', reload);
  await new Promise<void>((resolve) => {
    process.once('SIGTERM', resolve);
    process.once('SIGINT', resolve);
  });
  await gateway.stop();
  process.off('SIGHUP', reload);
  return 0;
}
