import { describe, expect, it } from '@jest/globals';
import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import { snapshot, signal } from '../../testing/ec2-fixtures.js';
import { validateAzRoutesSpec } from '../az-routes/spec.js';
import { validateElasticIpSpec } from '../elastic-ip/spec.js';
import { createUnavailableController } from './unavailable.js';

const eip = createUnavailableController(elasticIpKind, validateElasticIpSpec, 'NoEc2Identity', 'not on EC2');

describe('createUnavailableController', () => {
  it('owns nothing and is content when there is no resource', async () => {
    await expect(eip.probe(signal())).resolves.toMatchObject({ ok: true, details: { ec2: 'unavailable: not on EC2' } });
    const decoded = eip.decode({ kind: 'ElasticIp', resources: [] });
    if (!decoded.ok) throw new Error('decode failed');
    expect(eip.plan(decoded.desired, await eip.observe(signal(), { full: true, desired: decoded.desired }))).toEqual(
      [],
    );
  });

  it('is inert with the given reason when a resource asks for work it cannot do here', async () => {
    const decoded = eip.decode(snapshot('ElasticIp', { allocationId: 'eipalloc-0123456789abcdef0' }, 'master'));
    if (!decoded.ok) throw new Error('decode failed');
    const observed = await eip.observe(signal(), { full: true, desired: decoded.desired });
    expect(() => eip.plan(decoded.desired, observed)).toThrow(
      expect.objectContaining({ reason: 'NoEc2Identity', inert: true, message: 'not on EC2' }),
    );
    const az = createUnavailableController(azRoutesKind, validateAzRoutesSpec, 'NoEc2Identity', 'not on EC2');
    const one = { availabilityZoneId: 'use1-az1', routeTableIds: ['rtb-0123456789abcdef0'] };
    const azDecoded = az.decode(snapshot('AzRoutes', one, 'a'));
    if (!azDecoded.ok) throw new Error('decode failed');
    expect(() => az.plan(azDecoded.desired, null)).toThrow(expect.objectContaining({ reason: 'NoEc2Identity' }));
  });

  it('still validates specs: singleton kinds by their one name', () => {
    expect(eip.decode(snapshot('ElasticIp', { allocationId: 'eipalloc-1' }, 'master'))).toMatchObject({
      ok: false,
      name: 'master',
    });
    expect(eip.decode(snapshot('ElasticIp', {}, 'other'))).toMatchObject({
      ok: true,
      ignored: [{ name: 'other' }],
    });
  });

  it('still validates specs: every resource of other kinds', () => {
    const az = createUnavailableController(azRoutesKind, validateAzRoutesSpec, 'NoEc2Identity', 'not on EC2');
    const good = { availabilityZoneId: 'use1-az1', routeTableIds: ['rtb-0123456789abcdef0'] };
    expect(az.decode(snapshot('AzRoutes', good, 'a'))).toMatchObject({ ok: true });
    expect(
      az.decode({
        kind: 'AzRoutes',
        resources: [
          { name: 'a', generation: 1, value: JSON.stringify(good) },
          { name: 'b', generation: 4, value: '{"availabilityZoneId":' },
        ],
      }),
    ).toMatchObject({ ok: false, name: 'b', generation: 4 });
  });
});
