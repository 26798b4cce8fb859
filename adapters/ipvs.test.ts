import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../runtime/controller.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { createIpvsAdapter, parseIpvsLine, parseIpvsSave } from './ipvs.js';

const signal = new AbortController().signal;

/** `ipvsadm -S -n` as ipvsadm 1.31 prints it: ours (fwmark 0x4c42xxxx), someone's address service, an IPv6 one. */
const SAVED = [
  '-A -t 192.0.2.10:80 -s wlc -p 300',
  '-a -t 192.0.2.10:80 -r 192.0.2.20:8080 -g -w 3',
  '-A -f 1279393793 -s wrr',
  '-a -f 1279393793 -r 10.0.0.1:80 -m -w 2',
  '-a -f 1279393793 -r 10.0.0.2:80 -m -w 0 -x 10 -y 2',
  '-A -f 1279393794 -6 -s rr',
  '-a -f 1279393794 -6 -r [2001:db8::1]:80 -m -w 1',
  '',
].join('\n');

describe('parseIpvsSave', () => {
  it('reads services with their real servers, forwarding methods and weights', () => {
    expect(parseIpvsSave(SAVED)).toEqual([
      {
        virtual: '-t 192.0.2.10:80',
        ipv6: false,
        scheduler: 'wlc',
        realServers: [{ address: '192.0.2.20', port: 8080, weight: 3, forward: 'gate' }],
      },
      {
        fwmark: 1279393793,
        ipv6: false,
        scheduler: 'wrr',
        realServers: [
          { address: '10.0.0.1', port: 80, weight: 2, forward: 'masq' },
          { address: '10.0.0.2', port: 80, weight: 0, forward: 'masq' },
        ],
      },
      // IPv6 real servers are not modelled: the service is never ours anyway.
      { fwmark: 1279393794, ipv6: true, scheduler: 'rr', realServers: [] },
    ]);
  });

  it('never reads an option value as an option, and skips what is not a command', () => {
    // "-w -m": -m is read as the weight, which is no number, so no real server is made of the line.
    expect(parseIpvsLine('-a -f 5 -r 10.0.0.1:80 -w -m')?.real).toBeUndefined();
    expect(parseIpvsLine('# comment')).toBeUndefined();
    expect(parseIpvsLine('-E -f 5 -s mh')).toEqual({
      command: '-E',
      id: '-f 5',
      fwmark: 5,
      ipv6: false,
      scheduler: 'mh',
    });
  });
});

describe('createIpvsAdapter', () => {
  it('saves with ipvsadm -S -n and restores with one ipvsadm -R run (never ipvsadm-restore, which clears every service first), the lines on stdin', async () => {
    const runner = new FakeRunner((cmd) => (cmd.args[0] === '-S' ? { stdout: SAVED } : {}));
    const ipvs = createIpvsAdapter(runner);
    expect(await ipvs.save(signal)).toHaveLength(3);
    await ipvs.restore(['-A -f 1279393795 -s rr', '-a -f 1279393795 -r 10.0.0.3:80 -m -w 1'], signal);
    expect(runner.calls.map((c) => [c.file, c.args, c.input])).toEqual([
      ['ipvsadm', ['-S', '-n'], undefined],
      ['ipvsadm', ['-R'], '-A -f 1279393795 -s rr\n-a -f 1279393795 -r 10.0.0.3:80 -m -w 1\n'],
    ]);
  });

  it('turns failures into ControllerErrors with ipvsadm own words', async () => {
    const runner = new FakeRunner(() => ({ exitCode: 1, stderr: 'Service not defined\n' }));
    const ipvs = createIpvsAdapter(runner);
    await expect(ipvs.save(signal)).rejects.toThrow(
      new ControllerError('ObserveFailed', 'ipvsadm -S failed: Service not defined'),
    );
    await expect(ipvs.restore(['-D -f 1'], signal)).rejects.toMatchObject({ reason: 'ApplyFailed' });
  });

  it('is unavailable without ip_vs or without ipvsadm, and says why', async () => {
    const noModule = new FakeRunner(() => ({ exitCode: 2, stderr: "Can't initialize ipvs: Protocol not available\n" }));
    expect(await createIpvsAdapter(noModule).available(signal)).toEqual({
      ok: false,
      message: "Can't initialize ipvs: Protocol not available",
    });
    const missing = new FakeRunner(() => Promise.reject(new Error('ipvsadm: spawn ipvsadm ENOENT')));
    expect(await createIpvsAdapter(missing).available(signal)).toEqual({
      ok: false,
      message: 'ipvsadm: spawn ipvsadm ENOENT',
    });
    expect(await createIpvsAdapter(new FakeRunner()).available(signal)).toEqual({ ok: true });
  });
});
