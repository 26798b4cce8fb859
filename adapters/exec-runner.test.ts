import { describe, expect, it } from '@jest/globals';
import { createExecRunner } from './exec-runner.js';

const signal = new AbortController().signal;

describe('exec runner', () => {
  it('reports every process it starts, by program, and returns non-zero exits', async () => {
    const spawned: string[] = [];
    const runner = createExecRunner({ onSpawn: (p) => spawned.push(p) });
    await expect(runner.run('true', [], { signal })).resolves.toMatchObject({ exitCode: 0 });
    await expect(runner.run('false', [], { signal })).resolves.toMatchObject({ exitCode: 1 });
    // Under --netns every command is `ip netns exec <ns> <program>`: the program inside is what is counted.
    const inNs = await runner.run('ip', ['netns', 'exec', 'csgw-no-such-ns', 'nft', 'list', 'ruleset'], { signal });
    expect(inNs.exitCode).not.toBe(0);
    expect(spawned).toEqual(['true', 'false', 'nft']);
  });

  it('passes input on stdin', async () => {
    const result = await createExecRunner().run('cat', [], { input: 'a b', signal });
    expect(result.stdout).toBe('a b');
  });
});
