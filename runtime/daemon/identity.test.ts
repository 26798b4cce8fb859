import { describe, expect, it } from '@jest/globals';
import { parseCmdline, parseStat, runsArgv, sameProcess } from './identity.js';
import { parseAddresses, parseListeners } from './sockets.js';

// A command name with spaces and parentheses: fields are counted from the last ')'.
const STAT = '4242 (my (odd) name) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 3 0 987654 1000 200';

describe('process identity', () => {
  it('reads the state and start time (field 22) from /proc/<pid>/stat', () => {
    expect(parseStat(STAT)).toEqual({ state: 'S', startTime: '987654' });
    expect(parseStat('garbage')).toBeUndefined();
  });

  it('splits /proc/<pid>/cmdline on NUL', () => {
    expect(parseCmdline('python3\0-m\0x\0')).toEqual(['python3', '-m', 'x']);
  });

  it('matches the whole command line, the program by file name, after a wrapper', () => {
    const argv = ['python3', '-m', 'svc_a', '--config', '/c'];
    expect(runsArgv(argv, ['/usr/bin/python3', '-m', 'svc_a', '--config', '/c'])).toBe(true);
    expect(runsArgv(argv, ['ip', 'netns', 'exec', 'lab', 'python3', '-m', 'svc_a', '--config', '/c'])).toBe(true);
    expect(runsArgv(argv, ['python3', '-m', 'svc_b', '--config', '/c'])).toBe(false);
    expect(runsArgv(argv, ['python3'])).toBe(false);
  });

  it('a recycled pid (another start time) or another command is not the same process', () => {
    const id = { pid: 7, startTime: '100', argv: ['squid', '-N'] };
    expect(sameProcess(id, { ...id })).toBe(true);
    expect(sameProcess(id, { ...id, startTime: '101' })).toBe(false);
    expect(sameProcess(id, { ...id, argv: ['squid', '-z'] })).toBe(false);
    expect(sameProcess(id, undefined)).toBe(false);
  });
});

describe('socket and address readers', () => {
  it('reads listeners with their pids, IPv6 and interface-scoped ones too', () => {
    const ss = [
      'LISTEN 0 256 10.0.0.5:3128 0.0.0.0:* users:(("squid",pid=42,fd=9))',
      'LISTEN 0 4096 [::]:22 [::]:* users:(("sshd",pid=7,fd=4))',
      'LISTEN 0 4096 127.0.0.53%lo:53 0.0.0.0:*',
    ].join('\n');
    expect(parseListeners(ss)).toEqual([
      { host: '10.0.0.5', port: 3128, pids: [42] },
      { host: '::', port: 22, pids: [7] },
      { host: '127.0.0.53', port: 53, pids: [] },
    ]);
  });

  it('reads local addresses from ip -j addr', () => {
    const json = JSON.stringify([
      { addr_info: [{ local: '127.0.0.1' }] },
      { addr_info: [{ local: '10.0.0.5' }, {}] },
      {},
    ]);
    expect(parseAddresses(json)).toEqual(['127.0.0.1', '10.0.0.5']);
  });
});
