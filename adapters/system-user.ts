import { readFileSync } from 'node:fs';
import type { FileOwner } from '../runtime/daemon/revisions.js';

/** A local account's uid and gid from /etc/passwd, or undefined when it does not exist. */
export function lookupSystemUser(name: string, passwd = '/etc/passwd'): FileOwner | undefined {
  let text: string;
  try {
    text = readFileSync(passwd, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name && uid && gid) return { uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
