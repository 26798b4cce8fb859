import { DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { describe, expect, it } from '@jest/globals';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFakeEc2Args, parseListen, runFakeEc2 } from './cli.js';
import { parseState } from './state.js';

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

describe('fake-ec2 arguments', () => {
  it.each([
    ['0.0.0.0:8900', { host: '0.0.0.0', port: 8900 }],
    ['[::1]:0', { host: '::1', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
  ])('parses --listen %s', (value, expected) => {
    expect(parseListen(value)).toEqual(expected);
  });

  it.each(['8900', 'host:', 'host:65536', '::1:80', 'a:b'])('refuses --listen %s', (value) => {
    expect(() => parseListen(value)).toThrow('--listen');
  });

  it('defaults to loopback port 8900 and takes a state file', () => {
    expect(parseFakeEc2Args([])).toEqual({ host: '127.0.0.1', port: 8900 });
    expect(parseFakeEc2Args(['--state', 's.json', '--listen', '0.0.0.0:1'])).toEqual({
      host: '0.0.0.0',
      port: 1,
      statePath: 's.json',
    });
    expect(() => parseFakeEc2Args(['--bogus'])).toThrow();
  });
});

describe('fake-ec2 state file', () => {
  it('fills the defaults hand-written files leave out', () => {
    const state = parseState({
      addresses: [{ allocationId: 'eipalloc-1', publicIp: '198.51.100.1' }],
      routeTables: [{ routeTableId: 'rtb-1', vpcId: 'vpc-1' }],
      networkInterfaces: [{ networkInterfaceId: 'eni-a', sourceDestCheck: false }, { networkInterfaceId: 'eni-b' }],
    });
    expect(state.addresses[0]?.tags).toEqual({});
    expect(state.routeTables[0]).toEqual({ routeTableId: 'rtb-1', vpcId: 'vpc-1', routes: [], tags: {} });
    expect(state.networkInterfaces.map((n) => n.sourceDestCheck)).toEqual([false, true]);
    expect(parseState({})).toEqual({ addresses: [], routeTables: [], networkInterfaces: [] });
  });

  it.each([
    [[], 'must be a JSON object'],
    [{ addresses: {} }, 'addresses must be an array'],
    [{ routeTables: [{ vpcId: 'v' }] }, 'routeTables[0].routeTableId'],
    [{ routeTables: [{ routeTableId: 'rtb-1', routes: {} }] }, 'routeTables[0].routes'],
    [{ networkInterfaces: [{ networkInterfaceId: 'eni-a', tags: [] }] }, 'networkInterfaces[0].tags'],
  ])('refuses %j', (raw, message) => {
    expect(() => parseState(raw)).toThrow(message);
  });
});

describe('runFakeEc2', () => {
  it('serves the state file until shut down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fake-ec2-'));
    const statePath = join(dir, 'state.json');
    await writeFile(
      statePath,
      JSON.stringify({ networkInterfaces: [{ networkInterfaceId: 'eni-a', sourceDestCheck: false }] }),
    );
    const { io, out } = capture();
    const shutdown = new AbortController();
    const running = runFakeEc2(['--listen', '127.0.0.1:0', '--state', statePath], io, shutdown.signal);
    await until(() => out.length > 0);
    const url = /^fake-ec2 listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out[0] ?? '')?.[1];
    expect(url).toBeDefined();
    const client = new EC2Client({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const enis = await client.send(new DescribeNetworkInterfacesCommand({}));
    expect(enis.NetworkInterfaces?.map((n) => [n.NetworkInterfaceId, n.SourceDestCheck])).toEqual([['eni-a', false]]);
    client.destroy();
    shutdown.abort();
    expect(await running).toBe(0);
    await expect(fetch(`${url}/_state`)).rejects.toThrow();
    await rm(dir, { recursive: true });
  });

  it('exits 2 with usage on bad arguments', async () => {
    const { io, err } = capture();
    expect(await runFakeEc2(['--listen', 'nope'], io, new AbortController().signal)).toBe(2);
    expect(err.join('')).toContain('usage: fake-ec2');
  });
});
