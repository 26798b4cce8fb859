// Test fixture: serves the data dir given as argv[2] from a separate process and prints
// {"url": ...} on stdout once listening. Tests kill it with SIGKILL to check durability.
import { register } from 'node:module';

register('./ts-loader.mjs', import.meta.url);
const { startEmbeddedSsm } = await import('../index.ts');
const handle = await startEmbeddedSsm({ dataDir: process.argv[2] });
process.stdout.write(`${JSON.stringify({ url: handle.url, pid: process.pid })}\n`);
process.on('SIGTERM', () => {
  handle.close().then(() => process.exit(0));
});
