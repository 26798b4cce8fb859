import { access, constants, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SysctlPort, SysctlValue } from '../runtime/ports.js';
import { ControllerError } from '../runtime/controller.js';

const READ_ONLY_CODES = new Set(['EROFS', 'EACCES', 'EPERM']);

/**
 * Reads and writes /proc/sys directly: no sysctl binary, no shell. Root passes access(W_OK) even where the kernel
 * refuses the write (per-netns limits), so a refused write is remembered and the key reported read-only from then on.
 */
export function createSysctlAdapter(procSys = '/proc/sys'): SysctlPort {
  const refused = new Set<string>();
  const pathOf = (key: string): string => join(procSys, ...key.split('.'));
  return {
    async read(key, signal): Promise<SysctlValue> {
      try {
        const value = (await readFile(pathOf(key), { encoding: 'utf8', signal })).trim();
        return { value, writable: !refused.has(key) && (await isWritable(pathOf(key))) };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { writable: false };
        throw err;
      }
    },
    async write(key, value, signal): Promise<void> {
      try {
        await writeFile(pathOf(key), `${value}\n`, { signal });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? '';
        if (READ_ONLY_CODES.has(code)) refused.add(key);
        throw new ControllerError('SysctlUnavailable', `cannot set ${key}=${value}: ${code || (err as Error).message}`);
      }
    },
  };
}

async function isWritable(path: string): Promise<boolean> {
  try {
    await access(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
