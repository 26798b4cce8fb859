import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createStoreMemory } from './store-memory.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-store-memory-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const mode = async (path: string): Promise<number> => (await stat(path)).mode & 0o777;

describe('createStoreMemory', () => {
  it('keeps identity and specs private (0600 in a 0700 directory) without closing the shared state directory', async () => {
    const stateDir = join(dir, 'var', 'lib', 'csgw');
    const memory = createStoreMemory(stateDir, 'gw-1', '/cloudspectra/default');
    expect(await memory.readIdentity()).toBeUndefined();
    await memory.writeIdentity({
      storeId: 'store-1',
      root: '/cloudspectra/default',
      adoptedAt: 't',
      adoptedBy: 'test',
    });
    await memory.writeSnapshot([{ name: '/cloudspectra/default/spec/secrets/s', version: 2, value: '{"data":{}}' }]);
    expect(await memory.readIdentity()).toMatchObject({ storeId: 'store-1' });
    expect(await memory.readSnapshot()).toEqual([
      { name: '/cloudspectra/default/spec/secrets/s', version: 2, value: '{"data":{}}' },
    ]);
    // Daemons' users (squid runs as proxy) must still traverse the state directory to reach their own files.
    expect(await mode(stateDir)).toBe(0o755);
    expect(await mode(join(stateDir, 'store'))).toBe(0o700);
    for (const file of await readdir(join(stateDir, 'store')))
      expect(await mode(join(stateDir, 'store', file))).toBe(0o600);
  });

  it('keeps memories of other instances and gateways apart', async () => {
    const a = createStoreMemory(dir, 'gw-1', '/p/a');
    const b = createStoreMemory(dir, 'gw-1', '/p/b');
    await a.writeIdentity({ storeId: 'store-a', root: '/p/a', adoptedAt: 't', adoptedBy: 'test' });
    expect(await b.readIdentity()).toBeUndefined();
    expect(await createStoreMemory(dir, 'gw-2', '/p/a').readIdentity()).toBeUndefined();
  });

  it('refuses a torn memory instead of trusting an empty one', async () => {
    const memory = createStoreMemory(dir, 'gw-torn', '/p/t');
    await memory.writeIdentity({ storeId: 'store-t', root: '/p/t', adoptedAt: 't', adoptedBy: 'test' });
    const file = (await readdir(join(dir, 'store'))).find(
      (f) => f.startsWith('gw-torn.') && f.endsWith('.identity.json'),
    )!;
    await writeFile(join(dir, 'store', file), '{"storeId": "sto');
    await expect(memory.readIdentity()).rejects.toMatchObject({ name: 'StoreMemoryError', message: /not valid JSON/ });
  });
});
