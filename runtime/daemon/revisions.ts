import { createHash } from 'node:crypto';
import { chown, mkdir, open, readdir, readlink, rename, rm, stat, symlink } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { RenderedFile } from './files.js';

export interface FileOwner {
  uid: number;
  gid: number;
}

/** A staged revision: its content hash and the directory holding its files. */
export interface Revision {
  hash: string;
  dir: string;
}

const CURRENT = 'current';
const PREFIX = 'rev-';

/** The content hash of a set of files: names, modes and contents, independent of order. */
export function revisionHash(files: readonly RenderedFile[]): string {
  const h = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.name < b.name ? -1 : 1)))
    h.update(`${f.name}\0${f.mode.toString(8)}\0${f.content.length}\0${f.content}\0`);
  return h.digest('hex').slice(0, 16);
}

/**
 * A daemon's configuration as immutable revision directories (rev-<hash>/) and a `current` symlink switched by
 * rename. A config naming its side files by their revision path is self-contained, so a candidate is checked with
 * every file it refers to before anything live changes, and switching is one atomic rename.
 */
export class RevisionStore {
  constructor(
    /** The daemon's configuration directory (revisions and the current link live here). */
    readonly root: string,
    private readonly owner?: FileOwner,
  ) {}

  /** Where a revision's files go: models render their paths from it before the files exist. */
  dirFor(hash: string): string {
    return join(this.root, `${PREFIX}${hash}`);
  }

  get currentDir(): string {
    return join(this.root, CURRENT);
  }

  /** The hash of the revision `current` points at, if any. */
  async current(): Promise<string | undefined> {
    try {
      const target = basename(await readlink(this.currentDir));
      return target.startsWith(PREFIX) ? target.slice(PREFIX.length) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes a revision's files (each temp + fsync + rename, then the directory fsynced). Rewrites a partial one. */
  async stage(hash: string, files: readonly RenderedFile[]): Promise<Revision> {
    const dir = this.dirFor(hash);
    // The root is traversable: the daemon's helpers (its user) read their files in a revision.
    await mkdir(this.root, { recursive: true, mode: 0o755 });
    await mkdir(dir, { recursive: true, mode: 0o750 });
    await this.own(dir);
    for (const f of files) await this.writeFile(join(dir, f.name), f.content, f.mode);
    await fsyncDir(dir);
    return { hash, dir };
  }

  /**
   * Points `current` at a staged revision (symlink + rename) and removes all revisions but it, the previous one and
   * `keep` (the revision that last ran healthy, kept to roll back to).
   */
  async activate(hash: string, keep: readonly string[] = []): Promise<void> {
    const previous = await this.current();
    const temp = join(this.root, `.${CURRENT}.${process.pid}`);
    await rm(temp, { force: true });
    await symlink(`${PREFIX}${hash}`, temp);
    await rename(temp, this.currentDir);
    await fsyncDir(this.root);
    const kept = [hash, ...(previous ? [previous] : []), ...keep].map((h) => `${PREFIX}${h}`);
    await this.prune(new Set(kept));
  }

  /** Whether a revision's directory exists (a roll back needs its files). */
  async has(hash: string): Promise<boolean> {
    return stat(this.dirFor(hash)).then(
      (s) => s.isDirectory(),
      () => false,
    );
  }

  /** Removes a staged revision that failed its check (never the current one). */
  async discard(hash: string): Promise<void> {
    if ((await this.current()) !== hash) await rm(this.dirFor(hash), { recursive: true, force: true });
  }

  /** Removes every revision and the link. */
  async clear(): Promise<void> {
    await rm(this.currentDir, { force: true });
    await this.prune(new Set());
  }

  private async prune(keep: ReadonlySet<string>): Promise<void> {
    const entries = await readdir(this.root).catch(() => [] as string[]);
    for (const name of entries)
      if (name.startsWith(PREFIX) && !keep.has(name)) await rm(join(this.root, name), { recursive: true, force: true });
  }

  private async writeFile(path: string, content: string, mode: number): Promise<void> {
    const temp = `${path}.tmp-${process.pid}`;
    const handle = await open(temp, 'w', mode);
    try {
      await handle.writeFile(content);
      // open() applies the umask; chmod makes 0600/0644 exact.
      await handle.chmod(mode);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await this.own(temp);
    await rename(temp, path);
  }

  private async own(path: string): Promise<void> {
    if (this.owner) await chown(path, this.owner.uid, this.owner.gid);
  }
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
