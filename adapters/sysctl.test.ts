import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControllerError } from '../runtime/controller.js';
import { createSysctlAdapter } from './sysctl.js';

const signal = new AbortController().signal;
let procSys: string;

beforeEach(() => {
  procSys = mkdtempSync(join(tmpdir(), 'csgw-sysctl-'));
  mkdirSync(join(procSys, 'net/ipv4'), { recursive: true });
  writeFileSync(join(procSys, 'net/ipv4/ip_forward'), '0\n');
});
afterEach(() => rmSync(procSys, { recursive: true, force: true }));

describe('sysctl adapter (over a directory shaped like /proc/sys)', () => {
  it('maps dotted keys to paths and trims the value', async () => {
    await expect(createSysctlAdapter(procSys).read('net.ipv4.ip_forward', signal)).resolves.toEqual({
      value: '0',
      writable: true,
    });
  });

  it('reads a missing key as no value, not writable', async () => {
    await expect(createSysctlAdapter(procSys).read('net.netfilter.nf_conntrack_max', signal)).resolves.toEqual({
      writable: false,
    });
  });

  it('writes the value with a newline', async () => {
    const port = createSysctlAdapter(procSys);
    await port.write('net.ipv4.ip_forward', '1', signal);
    expect(readFileSync(join(procSys, 'net/ipv4/ip_forward'), 'utf8')).toBe('1\n');
    await expect(port.read('net.ipv4.ip_forward', signal)).resolves.toEqual({ value: '1', writable: true });
  });

  it('a failed write throws SysctlUnavailable naming the key and value', async () => {
    const err = await createSysctlAdapter(procSys)
      .write('net.netfilter.nf_conntrack_max', '262144', signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerError);
    expect(err).toMatchObject({
      reason: 'SysctlUnavailable',
      message: 'cannot set net.netfilter.nf_conntrack_max=262144: ENOENT',
    });
  });
});
