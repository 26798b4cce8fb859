import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RevisionStore, revisionHash } from './revisions.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'csgw-revisions-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const conf = (content: string) => [
  { name: 'a.conf', content, mode: 0o644 },
  { name: 'secret', content: 'user:hash\n', mode: 0o600 },
];

describe('revisionHash', () => {
  it('depends on names, modes and contents, not on order', () => {
    const files = conf('x');
    expect(revisionHash(files)).toBe(revisionHash([...files].reverse()));
    expect(revisionHash(conf('y'))).not.toBe(revisionHash(files));
    expect(revisionHash([{ ...files[0]!, mode: 0o600 }, files[1]!])).not.toBe(revisionHash(files));
  });
});

describe('RevisionStore', () => {
  it('stages files with exact modes and switches current atomically, keeping one previous revision', async () => {
    const store = new RevisionStore(root);
    const hashes = ['1', '2', '3'].map((c) => revisionHash(conf(c)));
    for (const [i, hash] of hashes.entries()) {
      await store.stage(hash, conf(String(i + 1)));
      await store.activate(hash);
    }
    expect(await store.current()).toBe(hashes[2]);
    expect(await readlink(store.currentDir)).toBe(`rev-${hashes[2]}`);
    expect(await readFile(join(store.currentDir, 'a.conf'), 'utf8')).toBe('3');
    expect((await stat(join(store.currentDir, 'secret'))).mode & 0o777).toBe(0o600);
    expect((await readdir(root)).sort()).toEqual(['current', `rev-${hashes[1]}`, `rev-${hashes[2]}`].sort());
  });

  it('never removes what is not a revision of its own, and never discards the current one', async () => {
    const store = new RevisionStore(root);
    await mkdir(join(root, 'keepme'));
    await writeFile(join(root, 'notes.txt'), 'mine');
    const hash = revisionHash(conf('1'));
    await store.stage(hash, conf('1'));
    await store.activate(hash);
    await store.discard(hash);
    expect(await store.current()).toBe(hash);
    await store.clear();
    expect((await readdir(root)).sort()).toEqual(['keepme', 'notes.txt']);
    expect(await store.current()).toBeUndefined();
  });
});
