import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { appendFile, mkdtemp, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EveLogReader, type EveBatch } from './eve-log.js';
import { ALERT_ALLOWED_TLS, ALERT_DROP, ALERT_ICMP, DROP, FLOW, line, STATS } from './testdata/eve-records.js';

/** A batch reduced to what the tests compare: sids in order, drops, stats seen, malformed and skipped counts. */
const summary = (batch: EveBatch) => ({
  sids: batch.alerts.map((a) => a.sid),
  drops: batch.drops,
  stats: batch.stats !== undefined,
  malformed: batch.malformedLines,
  skipped: batch.skippedBytes,
});

const NOTHING = { sids: [], drops: 0, stats: false, malformed: 0, skipped: 0 };

describe('EveLogReader', () => {
  let dir: string;
  let path: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-eve-'));
    path = join(dir, 'eve.json');
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const read = async (reader: EveLogReader) => summary(await reader.read());

  it('returns an empty batch while eve.json does not exist', async () => {
    await expect(new EveLogReader(path).read()).resolves.toEqual({
      alerts: [],
      drops: 0,
      malformedLines: 0,
      skippedBytes: 0,
      bytes: 0,
    });
  });

  it('returns what is there, then only what was appended, each record once', async () => {
    await writeFile(path, line(ALERT_DROP) + line(DROP) + line(FLOW));
    const reader = new EveLogReader(path);
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [1000001], drops: 1 });
    await expect(read(reader)).resolves.toEqual(NOTHING);
    await appendFile(path, line(ALERT_ALLOWED_TLS) + line(STATS) + 'not json\n' + line(ALERT_ICMP));
    const batch = await reader.read();
    expect(summary(batch)).toEqual({ ...NOTHING, sids: [2000002, 3000003], stats: true, malformed: 1 });
    expect(batch.stats?.ipsBlocked).toBe(12);
    expect(batch.bytes).toBe(
      Buffer.byteLength([ALERT_DROP, DROP, FLOW, ALERT_ALLOWED_TLS, STATS].map(line).join('') + 'not json\n') +
        Buffer.byteLength(line(ALERT_ICMP)),
    );
  });

  it("startAtEnd: an earlier run's records are history, only what comes after the first read counts", async () => {
    await writeFile(path, line(ALERT_DROP) + line(DROP));
    const reader = new EveLogReader(path, { startAtEnd: true });
    await expect(read(reader)).resolves.toEqual(NOTHING);
    await appendFile(path, line(ALERT_ICMP));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [3000003] });
  });

  it('startAtEnd: a file that did not exist at the first read is read from its start', async () => {
    const reader = new EveLogReader(path, { startAtEnd: true });
    await expect(read(reader)).resolves.toEqual(NOTHING);
    await writeFile(path, line(ALERT_DROP));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [1000001] });
  });

  it('keeps the last of several stats records', async () => {
    const later = { ...STATS, stats: { ...STATS.stats, decoder: { pkts: 99999 } } };
    await writeFile(path, line(STATS) + line(later));
    const batch = await new EveLogReader(path).read();
    expect(batch.stats?.decoderPkts).toBe(99999);
  });

  it('parses a partial last line only once it is complete, even cut inside a UTF-8 character', async () => {
    const record = { ...ALERT_ICMP, alert: { ...ALERT_ICMP.alert, signature: 'LOCAL café ☕ ping' } };
    const bytes = Buffer.from(line(record));
    const cut = bytes.indexOf(Buffer.from('☕')) + 1;
    await writeFile(path, Buffer.concat([Buffer.from(line(ALERT_DROP)), bytes.subarray(0, cut)]));
    const reader = new EveLogReader(path);
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [1000001] });
    await appendFile(path, bytes.subarray(cut, bytes.length - 1));
    await expect(read(reader)).resolves.toEqual(NOTHING);
    await appendFile(path, bytes.subarray(bytes.length - 1));
    const batch = await reader.read();
    expect(batch.alerts.map((a) => a.msg)).toEqual(['LOCAL café ☕ ping']);
  });

  it('reads a rotated eve.json (renamed, then a new file) from its start', async () => {
    await writeFile(path, line(ALERT_DROP) + line(ALERT_DROP).slice(0, 30));
    const reader = new EveLogReader(path);
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [1000001] });
    await rename(path, `${path}.1`);
    // Longer than what was read of the old file: only the inode tells the files apart.
    await writeFile(path, line(ALERT_ICMP) + line(ALERT_ALLOWED_TLS) + line(ALERT_ICMP));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [3000003, 2000002, 3000003] });
  });

  it('reads a truncated eve.json from its start', async () => {
    await writeFile(path, line(ALERT_DROP) + line(ALERT_DROP));
    const reader = new EveLogReader(path);
    await reader.read();
    await truncate(path, 0);
    await appendFile(path, line(ALERT_ICMP));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [3000003] });
  });

  it('reads eve.json deleted and recreated (possibly with the same inode) from its start', async () => {
    await writeFile(path, line(ALERT_DROP));
    const reader = new EveLogReader(path);
    await reader.read();
    await unlink(path);
    await expect(read(reader)).resolves.toEqual(NOTHING);
    await writeFile(path, line(ALERT_ICMP) + line(ALERT_ICMP));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [3000003, 3000003] });
  });

  it('skips a backlog beyond maxReadBytes to its newest part, counting the bytes skipped', async () => {
    const old = line(ALERT_DROP).repeat(10);
    const newest = line(ALERT_ICMP) + line(STATS);
    await writeFile(path, old + newest);
    const reader = new EveLogReader(path, { maxReadBytes: Buffer.byteLength(newest) + 5 });
    const batch = await reader.read();
    // The read starts 5 bytes before the newest lines: that cut line is skipped too.
    expect(summary(batch)).toEqual({ ...NOTHING, sids: [3000003], stats: true, skipped: Buffer.byteLength(old) });
    await appendFile(path, line(ALERT_ALLOWED_TLS));
    await expect(read(reader)).resolves.toEqual({ ...NOTHING, sids: [2000002] });
  });

  it('skips a line longer than maxLineBytes and resumes at the next line', async () => {
    const long = line({ ...ALERT_DROP, padding: 'x'.repeat(500) });
    const reader = new EveLogReader(path, { maxLineBytes: 200 });
    await writeFile(path, line(ALERT_ICMP) + long.slice(0, 300));
    const first = await reader.read();
    expect(summary(first)).toEqual({ ...NOTHING, sids: [3000003], skipped: 300 });
    await appendFile(path, long.slice(300) + line(ALERT_ALLOWED_TLS));
    const second = await reader.read();
    expect(summary(second)).toEqual({ ...NOTHING, sids: [2000002], skipped: Buffer.byteLength(long) - 300 });
  });

  it('parses the same records however the appends are cut', async () => {
    const records = [ALERT_DROP, DROP, ALERT_ICMP, FLOW, ALERT_ALLOWED_TLS, STATS, ALERT_DROP];
    const text = Buffer.from(records.map(line).join('') + 'garbage\n');
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }),
        async (cuts) => {
          await writeFile(path, '');
          const reader = new EveLogReader(path);
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), text.length];
          const sids: number[] = [];
          let drops = 0;
          let malformed = 0;
          for (let i = 1; i < bounds.length; i += 1) {
            await appendFile(path, text.subarray(bounds[i - 1], bounds[i]));
            const batch = await reader.read();
            sids.push(...batch.alerts.map((a) => a.sid));
            drops += batch.drops;
            malformed += batch.malformedLines;
          }
          expect({ sids, drops, malformed }).toEqual({
            sids: [1000001, 3000003, 2000002, 1000001],
            drops: 1,
            malformed: 1,
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
