import type { ProxyUser } from '../../renderers/squid/model.js';

/**
 * Hash schemes basic_ncsa_auth verifies on Debian 12 (through libxcrypt): apr1 and md5-crypt, bcrypt, sha256-crypt
 * and sha512-crypt. DES crypt and {SHA} are refused: the first is too weak, the second is not understood.
 */
const HASH = /^(\$apr1\$|\$1\$|\$2[aby]\$|\$5\$|\$6\$)[./A-Za-z0-9$,=]{8,200}$/;
const USER = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/**
 * Parses htpasswd text (user:hash lines; blank lines and # comments skipped). Errors give line numbers only: the
 * text is a secret and errors reach status.
 */
export function parseHtpasswd(text: string): { ok: true; users: ProxyUser[] } | { ok: false; errors: string[] } {
  const users: ProxyUser[] = [];
  const errors: string[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.startsWith('#')) return;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (colon < 0 || !USER.test(name))
      errors.push(`line ${i + 1}: expected user:hash with a user name of letters, digits and . _ @ -`);
    else if (!HASH.test(hash))
      errors.push(`line ${i + 1}: the hash of ${name} is not apr1, md5-crypt, bcrypt, sha256-crypt or sha512-crypt`);
    else if (seen.has(name)) errors.push(`line ${i + 1}: user ${name} appears twice`);
    else {
      seen.add(name);
      users.push({ name, hash });
    }
  });
  if (errors.length === 0 && users.length === 0) errors.push('no users');
  return errors.length > 0 ? { ok: false, errors } : { ok: true, users };
}
