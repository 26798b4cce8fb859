import { describe, expect, it } from '@jest/globals';
import { changeQueueName, EMBEDDED_CHANGES_QUEUE } from './change-queue.js';

describe('changeQueueName', () => {
  const aws = { mode: 'aws' as const, region: 'eu-west-1', dummyCredentials: false };
  const endpoint = { ...aws, endpoint: 'http://127.0.0.1:4566', dummyCredentials: true };
  const embedded = { mode: 'embedded' as const, region: 'us-east-1', dataDir: '/tmp/x' };

  it('against AWS, a queue per instance, its id made a valid queue name', () => {
    expect(changeQueueName(undefined, aws, 'i-0123456789abcdef0')).toBe('csgw-changes-i-0123456789abcdef0');
    expect(changeQueueName(undefined, aws, 'gw.1')).toBe('csgw-changes-gw-1');
    expect(changeQueueName(undefined, aws, 'x'.repeat(128))).toHaveLength(80);
  });

  it("against this host's endpoint (embedded mode, or a loopback one), the embedded endpoint's default queue", () => {
    expect(changeQueueName(undefined, embedded, 'gw-1')).toBe(EMBEDDED_CHANGES_QUEUE);
    expect(changeQueueName(undefined, endpoint, 'gw-1')).toBe(EMBEDDED_CHANGES_QUEUE);
    expect(changeQueueName(undefined, { ...endpoint, endpoint: 'http://localhost:4566' }, 'gw-1')).toBe(
      EMBEDDED_CHANGES_QUEUE,
    );
  });

  it('against an endpoint elsewhere (shared by a cluster), a queue per instance as against AWS', () => {
    expect(changeQueueName(undefined, { ...endpoint, endpoint: 'http://172.18.0.2:4566' }, 'gw-2')).toBe(
      'csgw-changes-gw-2',
    );
  });

  it('the flag wins; none disables push', () => {
    expect(changeQueueName('mine', aws, 'gw-1')).toBe('mine');
    expect(changeQueueName('none', aws, 'gw-1')).toBeUndefined();
  });
});
