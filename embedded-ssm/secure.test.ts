import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersByPathCommand,
  GetParametersCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import { startEmbeddedSsm } from './index.js';
import { clientFor, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

const PLAINTEXT = 'hunter2-very-secret-plaintext';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('secure');
  await h.client.send(new PutParameterCommand({ Name: '/sec/pw', Value: PLAINTEXT, Type: 'SecureString' }));
});
afterAll(async () => {
  await h.stop();
});

async function allFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('SecureString', () => {
  it('returns base64 ciphertext without WithDecryption and the plaintext with it', async () => {
    const sealed = await h.client.send(new GetParameterCommand({ Name: '/sec/pw' }));
    expect(sealed.Parameter?.Type).toBe('SecureString');
    expect(sealed.Parameter?.Value).not.toContain(PLAINTEXT);
    expect(sealed.Parameter?.Value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const open = await h.client.send(new GetParameterCommand({ Name: '/sec/pw', WithDecryption: true }));
    expect(open.Parameter?.Value).toBe(PLAINTEXT);
  });

  it('decrypts in GetParameters, GetParametersByPath and GetParameterHistory', async () => {
    const many = await h.client.send(new GetParametersCommand({ Names: ['/sec/pw'], WithDecryption: true }));
    expect(many.Parameters?.[0]?.Value).toBe(PLAINTEXT);
    const path = await h.client.send(new GetParametersByPathCommand({ Path: '/sec', WithDecryption: true }));
    expect(path.Parameters?.[0]?.Value).toBe(PLAINTEXT);
    const sealedPath = await h.client.send(new GetParametersByPathCommand({ Path: '/sec' }));
    expect(sealedPath.Parameters?.[0]?.Value).not.toBe(PLAINTEXT);
    const hist = await h.client.send(new GetParameterHistoryCommand({ Name: '/sec/pw', WithDecryption: true }));
    expect(hist.Parameters?.[0]).toMatchObject({ Value: PLAINTEXT, KeyId: 'alias/aws/ssm' });
  });

  it('never writes the plaintext to disk and keeps the key private', async () => {
    const files = await allFiles(h.dir);
    expect(files.some((f) => f.startsWith(join(h.dir, 'parameters')))).toBe(true);
    for (const file of files) {
      expect((await readFile(file)).includes(Buffer.from(PLAINTEXT))).toBe(false);
    }
    expect((await stat(join(h.dir, 'key'))).mode & 0o777).toBe(0o600);
  });

  it('still decrypts after a restart (the key persists)', async () => {
    h.client.destroy();
    await h.handle.close();
    h.handle = await startEmbeddedSsm({ dataDir: h.dir });
    h.client = clientFor(h.handle.url);
    const open = await h.client.send(new GetParameterCommand({ Name: '/sec/pw', WithDecryption: true }));
    expect(open.Parameter?.Value).toBe(PLAINTEXT);
  });
});
