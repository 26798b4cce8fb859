import { describe, expect, it } from '@jest/globals';
import { kinds } from '../crds-equivalent/index.js';
import { FakeRunner } from '../testing/fake-runner.js';
import { createControllers } from './controllers.js';
import { kindModules, validateResourceSpec } from './kinds.js';

describe('kind registration', () => {
  it('registers every kind exactly once, in the order of crds-equivalent', () => {
    expect(kindModules.map((m) => m.definition)).toEqual(kinds);
  });

  it('validates each kind with its own module, as the operator decodes it', () => {
    for (const m of kindModules)
      expect(validateResourceSpec(m.definition, m.definition.example.spec)).toMatchObject({ ok: true });
    const sourceNat = kinds[0]!;
    expect(validateResourceSpec(sourceNat, { mode: 'bogus' })).toMatchObject({ ok: false });
  });

  it('has a controller for every kind except those only referred to (DomainFilter, Secret, RuleSet)', () => {
    const withController = kindModules.filter((m) => m.createController).map((m) => m.definition.kind);
    expect(withController).toEqual([
      'SourceNat',
      'PortForward',
      'LoadBalancer',
      'FirewallPolicy',
      'ForwardProxy',
      'TlsTermination',
      'IntrusionPrevention',
      'LocalModel',
      'AiGateway',
      'SourceDestCheck',
      'ElasticIp',
      'AzRoutes',
    ]);
  });

  it('builds one controller per such kind, EC2 ones as stand-ins without an EC2 identity', () => {
    const controllers = createControllers(new FakeRunner(), { vpcCidrs: [] });
    expect(controllers.map((c) => c.kind.kind)).toEqual(
      kindModules.filter((m) => m.createController).map((m) => m.definition.kind),
    );
  });
});
