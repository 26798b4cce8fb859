import { describe, expect, it } from '@jest/globals';
import { planError } from '../../testing/controller-error.js';
import {
  assertForwardingPossible,
  forwardingUsers,
  forwardingWarnings,
  IP_FORWARD,
  planIpForward,
} from './forwarding.js';

describe('forwardingUsers', () => {
  it('names every resource of the kind, sorted, and none without resources', () => {
    const resources = [
      { name: 'web', generation: 1, value: '{}' },
      { name: 'ssh', generation: 3, value: 'not even json' },
    ];
    expect(forwardingUsers('PortForward', resources)).toEqual(['PortForward/ssh', 'PortForward/web']);
    expect(forwardingUsers('PortForward', undefined)).toEqual([]);
  });
});

describe('planIpForward (the owner)', () => {
  it('writes only 1, and only when it is not 1', () => {
    expect(planIpForward({ value: '0', writable: true }, 'x')).toEqual([
      { op: 'setSysctl', key: IP_FORWARD, value: '1', current: '0' },
    ]);
    expect(planIpForward({ value: '1', writable: true }, 'x')).toEqual([]);
    expect(planIpForward({ value: '1', writable: false }, 'x')).toEqual([]);
  });

  it('is inert (SysctlUnavailable) when it is off and read-only, saying what cannot work', () => {
    expect(planError(() => planIpForward({ value: '0', writable: false }, 'NAT cannot forward'))).toMatchObject({
      reason: 'SysctlUnavailable',
      inert: true,
      message: 'net.ipv4.ip_forward is 0 and read-only here: NAT cannot forward',
    });
    expect(planError(() => planIpForward(undefined, 'x')).message).toMatch(/is missing and read-only/);
  });
});

describe('a user that does not own it', () => {
  it('is inert only when forwarding can never be on', () => {
    expect(() => assertForwardingPossible({ value: '0', writable: true }, 'x')).not.toThrow();
    expect(() => assertForwardingPossible({ value: '1', writable: false }, 'x')).not.toThrow();
    expect(planError(() => assertForwardingPossible({ value: '0', writable: false }, 'x')).reason).toBe(
      'SysctlUnavailable',
    );
  });

  it('warns ForwardingOff while it is off but the owner can turn it on', () => {
    expect(forwardingWarnings({ value: '0', writable: true }, 'forwards drop')).toEqual([
      {
        reason: 'ForwardingOff',
        message: 'net.ipv4.ip_forward is 0: forwards drop until SourceNat, which owns it, turns it on',
      },
    ]);
    expect(forwardingWarnings({ value: '1', writable: true }, 'x')).toEqual([]);
    expect(forwardingWarnings({ value: '0', writable: false }, 'x')).toEqual([]);
  });
});
