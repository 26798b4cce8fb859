import { describe, expect, it } from '@jest/globals';
import { parseFakeAcmArgs, runFakeAcm } from './cli.js';

function capture(): {
  io: { stdout: { write(t: string): void }; stderr: { write(t: string): void } };
  out: string[];
  err: string[];
} {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: { write: (t) => void out.push(t) }, stderr: { write: (t) => void err.push(t) } }, out, err };
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !check(); i += 1) await new Promise((r) => setTimeout(r, 10));
  if (!check()) throw new Error('timed out');
}

describe('fake-acm arguments', () => {
  it('defaults to loopback port 8901, us-east-1, a test account and 395-day certificates', () => {
    expect(parseFakeAcmArgs([])).toEqual({
      host: '127.0.0.1',
      port: 8901,
      region: 'us-east-1',
      accountId: '123456789012',
      validityDays: 395,
    });
    const args = [
      '--listen',
      '0.0.0.0:9',
      '--region',
      'eu-west-1',
      '--account',
      '000000000001',
      '--validity-days',
      '2',
    ];
    expect(parseFakeAcmArgs(args)).toEqual({
      host: '0.0.0.0',
      port: 9,
      region: 'eu-west-1',
      accountId: '000000000001',
      validityDays: 2,
    });
  });

  it.each([
    [['--region', 'eu west'], '--region'],
    [['--account', '1234'], '--account'],
    [['--validity-days', '0'], '--validity-days'],
    [['--validity-days', '1.5'], '--validity-days'],
    [['--listen', '8901'], '--listen'],
  ])('refuses %j', (args, flag) => {
    expect(() => parseFakeAcmArgs(args)).toThrow(flag);
  });
});

describe('runFakeAcm', () => {
  it('prints the usage and exits 2 on bad arguments', async () => {
    const { io, err } = capture();
    expect(await runFakeAcm(['--bogus'], io, new AbortController().signal)).toBe(2);
    expect(err.join('')).toContain('usage: fake-acm');
  });

  it('serves the test CA until shutdown, then exits 0', async () => {
    const { io, out } = capture();
    const shutdown = new AbortController();
    const run = runFakeAcm(['--listen', '127.0.0.1:0'], io, shutdown.signal);
    await until(() => out.length > 0);
    const url = /listening on (\S+)/.exec(out.join(''))?.[1] ?? '';
    const ca = await (await fetch(`${url}/_ca`)).text();
    expect(ca).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    shutdown.abort();
    expect(await run).toBe(0);
  });
});
