// SecureString values are sealed with AES-256-GCM under a local key file, bound to the
// parameter name (as AAD) so a ciphertext can't be replayed under another name.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SsmError } from './errors.js';
import { fsyncDir, isErrno, writeNewFile } from './fsutil.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface ValueCipher {
  encrypt(name: string, plaintext: string): string;
  decrypt(name: string, ciphertext: string): string;
}

/** Reads <dataDir>/key, creating it (0600) on first start. */
export async function loadOrCreateKey(dataDir: string): Promise<Buffer> {
  const path = join(dataDir, 'key');
  try {
    await writeNewFile(path, randomBytes(KEY_BYTES), 0o600);
    await fsyncDir(dataDir);
  } catch (err) {
    if (!isErrno(err, 'EEXIST')) throw err;
  }
  const key = await readFile(path);
  if (key.length !== KEY_BYTES) {
    throw new Error(`embedded SSM key file ${path} is corrupt: expected ${KEY_BYTES} bytes, found ${key.length}`);
  }
  return key;
}

export function createCipher(key: Buffer): ValueCipher {
  return {
    encrypt(name, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(name, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
    },
    decrypt(name, ciphertext) {
      const raw = Buffer.from(ciphertext, 'base64');
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
        decipher.setAAD(Buffer.from(name, 'utf8'));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        throw new SsmError('InvalidKeyId', `The value of ${name} can't be decrypted with the local key.`);
      }
    },
  };
}
