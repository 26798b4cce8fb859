import { describe, expect, it } from '@jest/globals';
import { ControllerError } from '../../runtime/controller.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { fenceTags } from '../../testing/ec2-fixtures.js';
import { FakeLeaseGuard } from '../../testing/fake-lease-guard.js';
import { assertNotFenced, currentToken, fencingTags, taggedTerm } from './fencing.js';

const token = { scope: 'cluster', holder: 'i-self', epoch: 7, version: 9 };

function fenced(tags: Record<string, string>): ControllerError | undefined {
  try {
    assertNotFenced('Elastic IP eipalloc-1', tags, token);
    return undefined;
  } catch (err) {
    if (err instanceof ControllerError) return err;
    throw err;
  }
}

describe('fencing tags', () => {
  it('stamps holder, epoch and scope, and reads them back', () => {
    const tags = fencingTags(token);
    expect(tags).toEqual({
      'cloudspectra:lease-holder': 'i-self',
      'cloudspectra:lease-epoch': '7',
      'cloudspectra:lease-scope': 'cluster',
    });
    expect(taggedTerm(tags)).toEqual({ holder: 'i-self', epoch: 7, scope: 'cluster' });
  });

  it.each([
    ['no tags', {}],
    ['a non-numeric epoch', { ...fenceTags('i-x', 7, 'cluster'), 'cloudspectra:lease-epoch': '7e3' }],
    ['a negative epoch', { ...fenceTags('i-x', 7, 'cluster'), 'cloudspectra:lease-epoch': '-1' }],
    ['no scope', { 'cloudspectra:lease-epoch': '7' }],
  ])('reads no term from %s', (_what, tags) => {
    expect(taggedTerm(tags)).toBeUndefined();
  });
});

describe('assertNotFenced', () => {
  it('fences out a write over a newer term of the same scope, naming both epochs and no secrets', () => {
    const err = fenced(fenceTags('i-new', 8, 'cluster'));
    expect(err).toMatchObject({ reason: 'FencedOut', inert: false });
    expect(err?.message).toBe(
      "Elastic IP eipalloc-1 was written by i-new under cluster epoch 8, newer than this instance's epoch 7: not writing as a stale leader",
    );
  });

  it.each([
    ['an older term', fenceTags('i-old', 6, 'cluster')],
    ['our own term', fenceTags('i-self', 7, 'cluster')],
    ['a newer term of another scope (epochs of scopes are not comparable)', fenceTags('i-az', 99, 'az/use1-az2')],
    ['untagged', {}],
  ])('lets a write over %s through', (_what, tags) => {
    expect(fenced(tags)).toBeUndefined();
  });

  it('cannot compare without a token (observed while not leading): apply refuses instead', () => {
    expect(() => assertNotFenced('x', fenceTags('i-new', 99, 'cluster'), undefined)).not.toThrow();
  });
});

describe('currentToken', () => {
  it('is the token while held, undefined when lost', () => {
    const lease = new FakeLeaseGuard('cluster', { holder: 'i-self', epoch: 3 });
    expect(currentToken(lease)).toMatchObject({ holder: 'i-self', epoch: 3 });
    lease.lose();
    expect(currentToken(lease)).toBeUndefined();
  });

  it('lets other failures through', () => {
    const broken: LeaseGuard = {
      scope: 'cluster',
      assertHeld: () => {
        throw new Error('boom');
      },
    };
    expect(() => currentToken(broken)).toThrow('boom');
  });
});
