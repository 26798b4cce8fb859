import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditConfig } from '../config.js';
import { buildAuditLine, type AuditInput, type AuditLine } from './record.js';
import { AuditWriter } from './writer.js';

const T0 = Date.UTC(2026, 0, 10, 12);

function line(n: number, time = T0): AuditLine {
  const input: AuditInput = {
    time,
    requestId: `req-${n}`,
    endpoint: '/v1/chat/completions',
    keyId: 'team-a',
    clientAddress: '10.0.1.5',
    requestedModel: 'gpt',
    resolvedModel: 'openai:gpt-4o-mini',
    provider: 'openai',
    stream: false,
    cache: 'miss',
    status: 200,
    errorCode: null,
    tokens: { prompt: 1, completion: 1, cached: 0 },
    costUsd: 0,
    savedUsd: 0,
    overheadMs: 0.3,
    ttftMs: 10,
    totalMs: 20,
    attempts: [],
  };
  return buildAuditLine(input, 'none');
}

/** The size of one line as written, to set budgets in lines. */
const LINE_BYTES = Buffer.byteLength(`${JSON.stringify(line(10))}\n`);

describe('AuditWriter', () => {
  let dir: string;
  let file: string;
  let time: number;
  let warnings: string[];
  let writers: AuditWriter[];
  const log = { warn: (_details: object, message: string): void => void warnings.push(message) };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-audit-'));
    file = join(dir, 'log', 'audit.log');
    time = T0;
    warnings = [];
    writers = [];
  });

  afterEach(async () => {
    for (const writer of writers) await writer.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function open(config: Partial<AuditConfig> = {}): Promise<AuditWriter> {
    const full: AuditConfig = {
      enabled: true,
      file,
      prompts: 'hash',
      maxBytes: 1_000_000,
      maxAgeSeconds: 86_400,
      maxFiles: 5,
      ...config,
    };
    const writer = new AuditWriter(full, () => time, log);
    await writer.open();
    writers.push(writer);
    return writer;
  }

  /** Every file of the log, oldest first (audit.log.N ... audit.log), as lines. */
  async function files(): Promise<{ name: string; lines: string[] }[]> {
    const names = (await readdir(join(dir, 'log'))).sort((a, b) => rank(b) - rank(a));
    return Promise.all(
      names.map(async (name) => {
        const text = await readFile(join(dir, 'log', name), 'utf8');
        expect(text === '' || text.endsWith('\n')).toBe(true);
        return { name, lines: text.split('\n').filter((l) => l !== '') };
      }),
    );
  }
  const rank = (name: string): number => Number(name.split('.')[2] ?? 0);
  const requestIds = (all: { lines: string[] }[]): string[] =>
    all.flatMap((f) => f.lines.map((l) => (JSON.parse(l) as AuditLine).requestId));

  it('appends one JSON line per call to a 0600 file in a 0700 directory', async () => {
    const writer = await open();
    writer.write(line(1));
    writer.write(line(2));
    await writer.close();
    const [only] = await files();
    expect(only?.lines.map((l) => JSON.parse(l) as AuditLine)).toEqual([line(1), line(2)]);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'log'))).mode & 0o777).toBe(0o700);
  });

  it('rotates by size without losing, splitting or reordering a line, and keeps maxFiles', async () => {
    const writer = await open({ maxBytes: 3 * LINE_BYTES, maxFiles: 50 });
    for (let n = 10; n < 40; n++) writer.write(line(n));
    await writer.close();
    const all = await files();
    expect(all.map((f) => f.name)).toEqual([...Array.from({ length: 9 }, (_, i) => `audit.log.${9 - i}`), 'audit.log']);
    expect(all.every((f) => f.lines.length === 3)).toBe(true);
    expect(requestIds(all)).toEqual(Array.from({ length: 30 }, (_, i) => `req-${i + 10}`));
    for (const { name } of all) expect((await stat(join(dir, 'log', name))).mode & 0o777).toBe(0o600);
  });

  it('keeps only the newest maxFiles rotated files', async () => {
    const writer = await open({ maxBytes: LINE_BYTES, maxFiles: 2 });
    for (let n = 10; n < 15; n++) writer.write(line(n));
    await writer.close();
    const all = await files();
    expect(all.map((f) => f.name)).toEqual(['audit.log.2', 'audit.log.1', 'audit.log']);
    expect(requestIds(all)).toEqual(['req-12', 'req-13', 'req-14']);
  });

  it('writes a line larger than maxBytes alone in its file rather than dropping it', async () => {
    const writer = await open({ maxBytes: 10 });
    writer.write(line(10));
    writer.write(line(11));
    await writer.close();
    expect((await files()).map((f) => f.lines.length)).toEqual([1, 1]);
  });

  it('rotates by age, on the next line or on the check, also after a restart', async () => {
    const first = await open({ maxAgeSeconds: 3600 });
    first.write(line(10));
    time += 3_599_000;
    first.write(line(11, time));
    time += 1_000;
    first.write(line(12, time));
    await first.close();
    expect((await files()).map((f) => f.lines.length)).toEqual([2, 1]);

    time += 1_800_000;
    const second = await open({ maxAgeSeconds: 3600 });
    second.write(line(13, time));
    time += 1_800_000;
    second.rotateIfDue();
    await second.close();
    expect(requestIds(await files())).toEqual(['req-10', 'req-11', 'req-12', 'req-13']);
    expect((await files()).map((f) => [f.name, f.lines.length])).toEqual([
      ['audit.log.2', 2],
      ['audit.log.1', 2],
      ['audit.log', 0],
    ]);
  });

  it('never writes a secret it was handed or a key-shaped string, whatever the input carries', async () => {
    const providerKey = 'anthropic-secret-0123456789abcdef';
    const gatewayKey = 'csgw-gk-7f3a9b2c4d5e6f708192a3b4c5d6e7f8';
    const openaiKey = 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWxYz012345';
    const writer = await open();
    writer.setSecrets([providerKey]);
    const input = {
      authorization: `Bearer ${gatewayKey}`,
      headers: { authorization: `Bearer ${gatewayKey}`, 'x-api-key': providerKey },
      apiKey: openaiKey,
    };
    const built = buildAuditLine(
      {
        time: T0,
        requestId: 'req-secret',
        endpoint: '/v1/chat/completions',
        keyId: 'team-a',
        clientAddress: '10.0.1.5',
        requestedModel: 'gpt',
        resolvedModel: 'openai:gpt-4o-mini',
        provider: 'openai',
        stream: false,
        cache: 'miss',
        status: 401,
        errorCode: 'invalid_api_key',
        tokens: { prompt: 0, completion: 0, cached: 0 },
        costUsd: 0,
        savedUsd: 0,
        overheadMs: null,
        ttftMs: null,
        totalMs: 5,
        attempts: [{ provider: 'openai', model: 'm', outcome: 'failed', status: 401, code: 'invalid_api_key' }],
        prompt: [{ role: 'user', content: `use ${openaiKey} and ${providerKey}, Authorization: Bearer ${gatewayKey}` }],
        ...input,
      },
      'full',
    );
    writer.write(built);
    await writer.close();
    const text = await readFile(file, 'utf8');
    expect(text).toContain('req-secret');
    for (const secret of [providerKey, gatewayKey, openaiKey]) expect(text).not.toContain(secret);
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it('when disabled, writes nothing and creates nothing', async () => {
    const writer = await open({ enabled: false });
    writer.write(line(10));
    await writer.close();
    await expect(stat(join(dir, 'log'))).rejects.toThrow(/ENOENT/);
  });

  it('writes nothing after close', async () => {
    const writer = await open();
    writer.write(line(10));
    await writer.close();
    writer.write(line(11));
    expect(requestIds(await files())).toEqual(['req-10']);
    expect(warnings).toEqual([]);
  });
});
