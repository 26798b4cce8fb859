import { describe, expect, it } from '@jest/globals';
import { NFQUEUE_STATS_PATH, parseNfqueueStats, readNfqueueStats } from './nfqueue-stats.js';

/** As the kernel prints it: `%5u %6u %5u %1u %5u %5u %5u %8u %2d`. */
const PROC = [
  '    0  31337     3 2 65531     0     0     1042  1',
  '    1 4294967295  12 2 65531   250     7 4294967295  1',
].join('\n');

describe('parseNfqueueStats', () => {
  it('reads each bound queue', () => {
    expect(parseNfqueueStats(`${PROC}\n`)).toEqual([
      { queue: 0, portId: 31337, waiting: 3, queueDropped: 0, userDropped: 0, idSequence: 1042 },
      { queue: 1, portId: 4294967295, waiting: 12, queueDropped: 250, userDropped: 7, idSequence: 4294967295 },
    ]);
  });

  it('is empty for an empty file (module loaded, no queue bound)', () => {
    expect(parseNfqueueStats('')).toEqual([]);
  });

  it.each(['garbage', '0 31337 3 2 65531 0 0 1042', '0 31337 3 2 65531 0 x 1042 1', '0 31337 3 2 65531 0 0 1.5 1'])(
    'skips the malformed line %j',
    (bad) => {
      expect(parseNfqueueStats(`${bad}\n${PROC.split('\n')[0]}`).map((s) => s.queue)).toEqual([0]);
    },
  );
});

describe('readNfqueueStats', () => {
  it('reads the proc file through the port', async () => {
    const paths: string[] = [];
    const stats = await readNfqueueStats((path) => {
      paths.push(path);
      return Promise.resolve(PROC);
    });
    expect(paths).toEqual([NFQUEUE_STATS_PATH]);
    expect(stats.map((s) => s.queue)).toEqual([0, 1]);
  });

  it('reports no queues when the file is missing', async () => {
    await expect(readNfqueueStats(() => Promise.resolve(undefined))).resolves.toEqual([]);
  });
});
