import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import type { Ec2Port, InstanceIdentity } from '../../runtime/aws/ports.js';
import type { Controller } from '../../runtime/controller.js';
import type { LeaseGuard } from '../../runtime/lease/fencing.js';
import { probeEc2 } from '../aws-common/probe.js';
import { applyElasticIp } from './apply.js';
import { decodeElasticIp } from './decode.js';
import { observeElasticIp } from './observe.js';
import { describeElasticIpAction, planElasticIp } from './plan.js';
import { validateElasticIpSpec, type ElasticIpSpec } from './spec.js';
import { elasticIpDetails } from './status.js';
import type { ElasticIpAction, ElasticIpObserved, ElasticIpTarget } from './types.js';

export interface ElasticIpOptions {
  ec2: Ec2Port;
  identity: InstanceIdentity;
  /** The cluster lease: only its holder moves the address. */
  lease: LeaseGuard;
}

export type ElasticIpController = Controller<ElasticIpSpec, ElasticIpTarget | null, ElasticIpObserved, ElasticIpAction>;

export function createElasticIpController(opts: ElasticIpOptions): ElasticIpController {
  return {
    kind: elasticIpKind,
    lease: opts.lease,
    validateSpec: validateElasticIpSpec,
    decode: (snapshot) => decodeElasticIp(snapshot, opts.identity),
    probe: (signal) => probeEc2(opts.ec2, opts.identity.primaryEniId, 'ec2 AssociateAddress', signal),
    // Every observe is a full read: there is no cache to distrust.
    observe: (signal, { desired }) => observeElasticIp(opts.ec2, opts.lease, desired.spec, signal),
    plan: planElasticIp,
    apply: (actions, signal) => applyElasticIp(opts.ec2, opts.lease, actions, signal),
    describe: describeElasticIpAction,
    details: (desired, observed) => elasticIpDetails(desired.spec, observed),
    // An address is either where it should be or planned there: nothing partial to warn about.
    warnings: () => [],
  };
}
