import { describe, expect, it } from '@jest/globals';
import { azRoutesKind } from '../../crds-equivalent/az-routes.js';
import { elasticIpKind } from '../../crds-equivalent/elastic-ip.js';
import { snapshot, signal } from '../../testing/ec2-fixtures.js';
import { validateAzRoutesSpec } from '../az-routes/spec.js';
import { validateElasticIpSpec } from '../elastic-ip/spec.js';
import { createUnavailableController } from './unavailable.js';

const eip = createUnavailableController(elasticIpKind, validateElasticIpSpec, 'NoEc2Identity', 'not on EC2');

describe('createUnavailableController', () => {
  it('fails its probe with the given reason, so the machine reports it inert', async () => {
    await expect(eip.probe(signal())).resolves.toEqual({
      ok: false,
      reason: 'NoEc2Identity',
      message: 'not on EC2',
      details: {},
    });
  });

  it('plans nothing, whatever the spec says', async () => {
    const decoded = eip.decode(snapshot('ElasticIp', { allocationId: 'eipalloc-0123456789abcdef0' }, 'master'));
    if (!decoded.ok) throw new Error('decode failed');
    expect(eip.plan(decoded.desired, await eip.observe(signal(), { full: true, desired: decoded.desired }))).toEqual(
      [],
    );
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
