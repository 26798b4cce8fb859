import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CommandResult, CommandRunner, NftPort } from '../../runtime/ports.js';
import { probeQueuePort, readPackagedRules, suricataVersion } from './probe.js';

const signal = new AbortController().signal;

function runner(answers: Record<string, CommandResult>): CommandRunner & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    run(file, args) {
      calls.push([file, ...args].join(' '));
      return Promise.resolve(answers[file] ?? { exitCode: 127, stdout: '', stderr: `${file}: not found` });
    },
  };
}

function nft(check: () => Promise<void>): NftPort {
  return { listTable: () => Promise.resolve(undefined), commit: () => Promise.resolve(), check };
}

describe('probeQueuePort', () => {
  it("nft's queue statement where the kernel has it", async () => {
    const found = await probeQueuePort(
      nft(() => Promise.resolve()),
      runner({}),
      signal,
    );
    expect('mechanism' in found && found.mechanism).toBe('nft-queue');
  });

  it('else the xt NFQUEUE target when iptables-nft answers "no such rule"', async () => {
    const missing = () => Promise.reject(new Error('Could not process rule: No such file or directory'));
    const r = runner({ 'iptables-nft': { exitCode: 1, stdout: '', stderr: 'Bad rule' } });
    const found = await probeQueuePort(nft(missing), r, signal);
    expect('mechanism' in found && found.mechanism).toBe('xt-nfqueue');
    // A check (-C) of a rule that does not exist: nothing is added.
    expect(r.calls[0]).toContain('-C FORWARD -j NFQUEUE');
  });

  it('neither: says why, without throwing', async () => {
    const missing = () => Promise.reject(new Error('No such file or directory'));
    const r = runner({ 'iptables-nft': { exitCode: 2, stdout: '', stderr: "Couldn't load target `NFQUEUE'" } });
    const found = await probeQueuePort(nft(missing), r, signal);
    expect('missing' in found && found.missing).toMatch(/nft queue: No such file.*xt NFQUEUE: Couldn't load target/);
  });
});

describe('suricataVersion', () => {
  it('reads `suricata -V`, or undefined when it is not installed', async () => {
    const r = runner({ suricata: { exitCode: 0, stdout: 'This is Suricata version 7.0.10 RELEASE\n', stderr: '' } });
    expect(await suricataVersion(r, signal)).toBe('7.0.10');
    expect(await suricataVersion(runner({}), signal)).toBeUndefined();
  });
});

describe('readPackagedRules', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-pkg-rules-'));
    await writeFile(join(dir, 'http-events.rules'), 'alert http any any -> any any (msg:"x"; sid:1;)\n');
    await writeFile(join(dir, 'README'), 'not a rule file');
    await writeFile(join(dir, 'Weird Name.rules'), 'ignored: not a plain name');
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  it('reads the plain *.rules files of the first directory that has any', async () => {
    const layout = { ruleDirs: [join(dir, 'missing'), dir], classificationFile: '/c', referenceFile: '/r' };
    const packaged = await readPackagedRules(layout);
    expect(packaged.files.map((f) => f.name)).toEqual(['http-events.rules']);
    expect(packaged).toMatchObject({ classificationFile: '/c', referenceFile: '/r' });
  });

  it('none found: no packaged rules', async () => {
    const layout = { ruleDirs: [join(dir, 'missing')], classificationFile: '/c', referenceFile: '/r' };
    expect((await readPackagedRules(layout)).files).toEqual([]);
  });
});
