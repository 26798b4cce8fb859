import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { appendFile, mkdtemp, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessLogReader, classifyLine, countLines, ZERO_COUNTERS, type AccessLogCounters } from './access-log.js';

/** Lines of squid's native access log format (logformat squid), as squid 5 on Debian 12 writes them. */
const LINES = {
  miss: '1796403631.892      1 10.0.0.2 TCP_MISS/200 3465 GET http://a/ - HIER_DIRECT/10.0.0.9 text/html',
  memHit: '1796403632.001      0 10.0.0.2 TCP_MEM_HIT/200 3473 GET http://a/ - HIER_NONE/- text/html',
  hit: '1796403633.120      2 10.0.0.3 TCP_HIT/200 120034 GET http://a/big.bin - HIER_NONE/- application/octet-stream',
  refreshUnmodified:
    '1796403634.500     12 10.0.0.2 TCP_REFRESH_UNMODIFIED/200 3473 GET http://a/ - HIER_DIRECT/10.0.0.9 text/html',
  refreshModified:
    '1796403634.600     14 10.0.0.2 TCP_REFRESH_MODIFIED/200 3481 GET http://a/ - HIER_DIRECT/10.0.0.9 text/html',
  imsHit: '1796403634.700      0 10.0.0.2 TCP_IMS_HIT/304 258 GET http://a/ - HIER_NONE/- text/html',
  denied: '1796403635.010      0 10.0.0.7 TCP_DENIED/403 3902 GET http://blocked.example/ - HIER_NONE/- text/html',
  deniedConnect:
    '1796403635.011      0 10.0.0.7 TCP_DENIED/403 3902 CONNECT blocked.example:443 - HIER_NONE/- text/html',
  authRequired: '1796403636.200      0 10.0.0.2 TCP_DENIED/407 4108 GET http://a/ - HIER_NONE/- text/html',
  tunnel: '1796403637.300   5012 10.0.0.2 TCP_TUNNEL/200 6120 CONNECT a.example:443 alice HIER_DIRECT/10.0.0.9 -',
  badRequest: '1796403638.400      0 10.0.0.2 NONE_NONE/400 3753 - error:invalid-request - HIER_NONE/- text/html',
  aborted: '1796403638.500      3 10.0.0.2 NONE_NONE/000 0 - error:transaction-end-before-headers - HIER_NONE/- -',
};

/** An origin server's own 403, passed through on a cache miss: not a refusal by the proxy's policy. */
const ORIGIN_403 =
  '1796403639.000     40 10.0.0.2 TCP_MISS/403 512 GET http://a/private - HIER_DIRECT/10.0.0.9 text/html';

const GARBAGE = [
  '',
  '   ',
  'garbage',
  '1796403631.892 1 10.0.0.2',
  '1796403631.892 1 10.0.0.2 TCP_MISS 3465 GET http://a/',
  '1796403631.892 1 10.0.0.2 /200 3465 GET http://a/',
  '1796403631.892 1 10.0.0.2 TCP_MISS/ 3465 GET http://a/',
  '2026/01/27 10:00:00 kid1| Starting Squid Cache version 5.7',
];

describe('classifyLine', () => {
  it.each([
    [LINES.miss, 'miss'],
    [LINES.memHit, 'hit'],
    [LINES.hit, 'hit'],
    [LINES.refreshUnmodified, 'hit'],
    [LINES.refreshModified, 'miss'],
    [LINES.imsHit, 'hit'],
    [LINES.denied, 'denied'],
    [LINES.deniedConnect, 'denied'],
    [LINES.authRequired, 'auth'],
    [LINES.tunnel, 'tunnel'],
    [LINES.badRequest, 'other'],
    [LINES.aborted, 'other'],
    [`  ${LINES.miss}  `, 'miss'],
    [LINES.miss.replace(/ +/g, '\t'), 'miss'],
  ])('%s -> %s', (line, outcome) => {
    expect(classifyLine(line)).toBe(outcome);
  });

  it.each(GARBAGE)('ignores %j', (line) => {
    expect(classifyLine(line)).toBeUndefined();
  });

  // Regression (access-log.ts): `status === '403'` counts any 403 as a policy refusal, including an origin server's own
  // 403 on a miss; squid marks its refusals TCP_DENIED (403, or 407 for credentials).
  it('counts an origin 403 on a miss as a miss, not as denied', () => {
    expect(classifyLine(ORIGIN_403)).toBe('miss');
  });

  // Regression (access-log.ts): any line whose fourth field holds a slash is a request, so a foreign line (here an
  // Apache common-log line) counts; the fourth field of a squid line is CODE/NNN.
  it('ignores a line whose fourth field is not CODE/status', () => {
    expect(classifyLine('10.0.0.1 - - [10/Oct/2026:13:55:36 +0000] "GET / HTTP/1.0" 200 2326')).toBeUndefined();
  });
});

describe('countLines', () => {
  it('counts each outcome and every request, ignoring garbage', () => {
    const text = [...Object.values(LINES), ...GARBAGE, LINES.miss, ''].join('\n');
    expect(countLines(ZERO_COUNTERS, text)).toEqual({
      requests: Object.keys(LINES).length + 1,
      cacheHits: 4,
      cacheMisses: 3,
      denied: 2,
      authRequired: 1,
      tunnels: 1,
      hitRatio: 0.571,
    });
  });

  it('adds to the counters it is given, leaving them alone', () => {
    const before: AccessLogCounters = { ...ZERO_COUNTERS, requests: 10, cacheHits: 1, cacheMisses: 3, hitRatio: 0.25 };
    const frozen = structuredClone(before);
    const after = countLines(before, `${LINES.hit}\n${LINES.denied}\n`);
    expect(after).toEqual({ ...before, requests: 12, cacheHits: 2, denied: 1, hitRatio: 0.4 });
    expect(before).toEqual(frozen);
    expect(ZERO_COUNTERS).toEqual({
      requests: 0,
      cacheHits: 0,
      cacheMisses: 0,
      denied: 0,
      authRequired: 0,
      tunnels: 0,
      hitRatio: 0,
    });
  });

  it('has a hit ratio of 0 without cache lookups, rounded to three places otherwise', () => {
    expect(countLines(ZERO_COUNTERS, `${LINES.tunnel}\n${LINES.denied}\n`).hitRatio).toBe(0);
    expect(countLines(ZERO_COUNTERS, `${LINES.hit}\n${LINES.miss}\n${LINES.miss}\n`).hitRatio).toBe(0.333);
    expect(countLines(ZERO_COUNTERS, `${LINES.hit}\n${LINES.hit}\n${LINES.miss}\n`).hitRatio).toBe(0.667);
    expect(countLines(ZERO_COUNTERS, `${LINES.memHit}\n`).hitRatio).toBe(1);
  });

  it('counts the same however the text is split at line ends', () => {
    const all = Object.values(LINES);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...all), { maxLength: 40 }), fc.nat(), (lines, cut) => {
        const at = lines.length === 0 ? 0 : cut % (lines.length + 1);
        const whole = countLines(ZERO_COUNTERS, lines.map((l) => `${l}\n`).join(''));
        const first = countLines(ZERO_COUNTERS, lines.slice(0, at).join('\n'));
        const split = countLines(first, lines.slice(at).join('\n'));
        expect(split).toEqual(whole);
        expect(whole.requests).toBe(lines.length);
        const { cacheHits, cacheMisses, hitRatio } = whole;
        expect(hitRatio).toBeCloseTo(cacheHits + cacheMisses === 0 ? 0 : cacheHits / (cacheHits + cacheMisses), 2);
      }),
    );
  });
});

describe('AccessLogReader', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-access-log-'));
    path = join(dir, 'access.log');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const counts = async (reader: AccessLogReader): Promise<Partial<AccessLogCounters>> => {
    const { counters } = await reader.read();
    return { requests: counters.requests, cacheHits: counters.cacheHits, cacheMisses: counters.cacheMisses };
  };

  it('reports zero counters and zero bytes while the log does not exist', async () => {
    await expect(new AccessLogReader(path).read()).resolves.toEqual({ counters: ZERO_COUNTERS, bytes: 0 });
  });

  it('counts lines already there, then only what is appended, each once', async () => {
    await writeFile(path, `${LINES.miss}\n${LINES.hit}\n`);
    const reader = new AccessLogReader(path);
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 1, cacheMisses: 1 });
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 1, cacheMisses: 1 });
    await appendFile(path, `${LINES.memHit}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 3, cacheHits: 2, cacheMisses: 1 });
    await appendFile(path, `${LINES.denied}\n${LINES.tunnel}\n`);
    const { counters, bytes } = await reader.read();
    expect(counters).toMatchObject({ requests: 5, denied: 1, tunnels: 1 });
    expect(bytes).toBe(
      Buffer.byteLength([LINES.miss, LINES.hit, LINES.memHit, LINES.denied, LINES.tunnel, ''].join('\n')),
    );
  });

  it('after a rotation counts what squid wrote to the old file before reopening, then the new file', async () => {
    await writeFile(path, `${LINES.miss}\n`);
    const reader = new AccessLogReader(path);
    await reader.read();
    const rotated = `${path}.1`;
    await rename(path, rotated);
    // squid still writes to the renamed file until it reopens the log.
    await appendFile(rotated, `${LINES.hit}\n`);
    await writeFile(path, `${LINES.memHit}\n`);
    await reader.finishRotated(rotated);
    await expect(counts(reader)).resolves.toEqual({ requests: 3, cacheHits: 2, cacheMisses: 1 });
  });

  it('counts a partial last line only once it is complete', async () => {
    await writeFile(path, `${LINES.miss}\n${LINES.hit.slice(0, 30)}`);
    const reader = new AccessLogReader(path);
    await expect(counts(reader)).resolves.toEqual({ requests: 1, cacheHits: 0, cacheMisses: 1 });
    await appendFile(path, LINES.hit.slice(30, 60));
    await expect(counts(reader)).resolves.toEqual({ requests: 1, cacheHits: 0, cacheMisses: 1 });
    await appendFile(path, `${LINES.hit.slice(60)}\n${LINES.memHit.slice(0, 5)}`);
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 1, cacheMisses: 1 });
    await appendFile(path, `${LINES.memHit.slice(5)}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 3, cacheHits: 2, cacheMisses: 1 });
  });

  it('reads a rotated log (renamed, then a new file) from its start, keeping the totals', async () => {
    await writeFile(path, `${LINES.miss}\n${LINES.miss}\n${LINES.hit.slice(0, 20)}`);
    const reader = new AccessLogReader(path);
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 0, cacheMisses: 2 });
    await rename(path, `${path}.1`);
    // Longer than what was read of the old file: only the inode tells the files apart.
    await writeFile(path, `${LINES.hit}\n${LINES.hit}\n${LINES.memHit}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 5, cacheHits: 3, cacheMisses: 2 });
    await appendFile(path, `${LINES.miss}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 6, cacheHits: 3, cacheMisses: 3 });
  });

  it('reads a truncated log from its start', async () => {
    await writeFile(path, `${LINES.miss}\n${LINES.miss}\n${LINES.miss}\n`);
    const reader = new AccessLogReader(path);
    await expect(counts(reader)).resolves.toEqual({ requests: 3, cacheHits: 0, cacheMisses: 3 });
    await truncate(path, 0);
    await appendFile(path, `${LINES.hit}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 4, cacheHits: 1, cacheMisses: 3 });
  });

  it('keeps its totals while the log is missing, then reads the new file from its start', async () => {
    await writeFile(path, `${LINES.miss}\n`);
    const reader = new AccessLogReader(path);
    await reader.read();
    await rename(path, `${path}.1`);
    const { counters, bytes } = await reader.read();
    expect([counters.requests, bytes]).toEqual([1, 0]);
    await writeFile(path, `${LINES.hit}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 1, cacheMisses: 1 });
  });

  // Regression (access-log.ts): when the log is found missing, read() returns early and keeps the old inode and offset.
  // ext4 and tmpfs hand a freed inode to the next new file, so a log that is deleted and recreated often has the
  // same inode; when it is at least as long as the old offset, reading resumes mid-file and the first lines are
  // lost (here the first line is cut and its tail ignored).
  it('reads a log deleted and recreated with the same inode from its start', async () => {
    await writeFile(path, `${LINES.miss}\n`);
    const reader = new AccessLogReader(path);
    await reader.read();
    await unlink(path);
    await reader.read();
    await writeFile(path, `${LINES.hit}\n`);
    await expect(counts(reader)).resolves.toEqual({ requests: 2, cacheHits: 1, cacheMisses: 1 });
  });

  it('counts the same however the appends are cut', async () => {
    const lines = [LINES.miss, LINES.hit, LINES.denied, LINES.tunnel, LINES.authRequired, LINES.memHit, LINES.miss];
    const text = lines.map((l) => `${l}\n`).join('');
    const expected = countLines(ZERO_COUNTERS, text);
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          await writeFile(path, '');
          const reader = new AccessLogReader(path);
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), text.length];
          for (let i = 1; i < bounds.length; i += 1) {
            await appendFile(path, text.slice(bounds[i - 1], bounds[i]));
            await reader.read();
          }
          const { counters } = await reader.read();
          expect(counters).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
