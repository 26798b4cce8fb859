/** One file of a daemon's configuration revision, named relative to the revision's directory. */
export interface RenderedFile {
  /** A plain file name (no directories): every file of a revision lives in one directory. */
  name: string;
  content: string;
  /** 0o600 for secrets (owned by the daemon's user), 0o644 otherwise. */
  mode: number;
}
