import type { Ec2Port, ResourceTags } from '../../runtime/aws/ports.js';
import { ControllerError } from '../../runtime/controller.js';
import { FENCING_TAGS, type FencingToken, type LeaseGuard } from '../../runtime/lease/fencing.js';

/** The lease term a resource was last written under, as its fencing tags say. */
export interface TaggedTerm {
  holder: string;
  epoch: number;
  scope: string;
}

export function fencingTags(token: FencingToken): ResourceTags {
  return {
    [FENCING_TAGS.holder]: token.holder,
    [FENCING_TAGS.epoch]: String(token.epoch),
    [FENCING_TAGS.scope]: token.scope,
  };
}

/** undefined when the tags carry no well-formed term (never written by us, or edited by hand). */
export function taggedTerm(tags: ResourceTags): TaggedTerm | undefined {
  const epoch = tags[FENCING_TAGS.epoch];
  const scope = tags[FENCING_TAGS.scope];
  if (epoch === undefined || !/^[0-9]{1,15}$/.test(epoch) || scope === undefined) return undefined;
  return { holder: tags[FENCING_TAGS.holder] ?? '', epoch: Number(epoch), scope };
}

/**
 * Refuses to plan a write over a resource last written under a newer term of our scope: we are then a stale leader
 * whose lease has already passed on. Epochs of other scopes are not comparable to ours, so their tags do not fence.
 * Without a token (observed while not holding the lease) there is nothing to compare; apply refuses anyway.
 */
export function assertNotFenced(resource: string, tags: ResourceTags, token: FencingToken | undefined): void {
  const term = taggedTerm(tags);
  if (!token || !term || term.scope !== token.scope || term.epoch <= token.epoch) return;
  throw new ControllerError(
    'FencedOut',
    `${resource} was written by ${term.holder || 'another instance'} under ${term.scope} epoch ${term.epoch}, ` +
      `newer than this instance's epoch ${token.epoch}: not writing as a stale leader`,
  );
}

/** The token when this node holds the lease, undefined when it does not (reads need no lease). */
export function currentToken(lease: LeaseGuard): FencingToken | undefined {
  try {
    return lease.assertHeld();
  } catch (err) {
    if (err instanceof ControllerError && err.reason === 'LeaseLost') return undefined;
    throw err;
  }
}

/** Stamps the resource with the current term; the lease is checked right before the write. */
export async function writeFencingTags(
  ec2: Ec2Port,
  lease: LeaseGuard,
  resourceId: string,
  signal: AbortSignal,
): Promise<void> {
  const token = lease.assertHeld();
  await ec2.tagResources([resourceId], fencingTags(token), signal);
}
