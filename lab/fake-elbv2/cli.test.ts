import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFakeElbv2Args, runFakeElbv2 } from './cli.js';
import { parseState } from './state.js';

const ARN = 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/web/0123456789abcdef';

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('timed out');
}

describe('fake-elbv2 arguments and state', () => {
  it('defaults to loopback port 4567 and takes a state file', () => {
    expect(parseFakeElbv2Args([])).toEqual({ host: '127.0.0.1', port: 4567 });
    expect(parseFakeElbv2Args(['--listen', '0.0.0.0:1', '--state', 's.json'])).toEqual({
      host: '0.0.0.0',
      port: 1,
      statePath: 's.json',
    });
    expect(() => parseFakeElbv2Args(['--bogus'])).toThrow();
  });

  it('checks every target of the state file and names the bad one', () => {
    expect(parseState({})).toEqual({ targetGroups: [] });
    const good = { targetGroupArn: ARN, targets: [{ id: 'i-0123456789abcdef0', port: 80, state: 'initial' }] };
    expect(parseState({ targetGroups: [good] })).toEqual({ targetGroups: [good] });
    expect(() => parseState({ targetGroups: [{ ...good, targets: [{ id: '10.0.0.1', port: 80 }] }] })).toThrow(
      'state: targetGroups[0].targets[0].state must be one of',
    );
    expect(() => parseState({ targetGroups: [{ targetGroupArn: `${ARN}x`, targets: [] }] })).toThrow(
      'targetGroupArn must be a target group ARN',
    );
  });
});

describe('runFakeElbv2', () => {
  it('serves the state file until shutdown, then exits 0', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-elbv2-'));
    try {
      const statePath = join(dir, 'state.json');
      const group = { targetGroupArn: ARN, targets: [{ id: '10.0.0.5', port: 443, state: 'healthy' }] };
      await writeFile(statePath, JSON.stringify({ targetGroups: [group] }));
      const out: string[] = [];
      const shutdown = new AbortController();
      const io = { stdout: { write: (t: string) => void out.push(t) }, stderr: { write: () => undefined } };
      const done = runFakeElbv2(['--listen', '127.0.0.1:0', '--state', statePath], io, shutdown.signal);
      await until(() => out.length > 0);
      const url = /listening on (\S+)/.exec(out[0] ?? '')?.[1];
      const state: unknown = await (await fetch(`${url}/_state`)).json();
      expect(state).toEqual({ targetGroups: [group] });
      shutdown.abort();
      await expect(done).resolves.toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 with the usage on bad arguments', async () => {
    const err: string[] = [];
    const io = { stdout: { write: () => undefined }, stderr: { write: (t: string) => void err.push(t) } };
    await expect(runFakeElbv2(['--listen', 'nope'], io, new AbortController().signal)).resolves.toBe(2);
    expect(err.join('')).toContain('usage: fake-elbv2');
  });
});
