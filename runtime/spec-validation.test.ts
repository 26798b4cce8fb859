import { describe, expect, it } from '@jest/globals';
import { azRoutesKind } from '../crds-equivalent/az-routes.js';
import { elasticIpKind } from '../crds-equivalent/elastic-ip.js';
import { firewallPolicyKind } from '../crds-equivalent/firewall-policy.js';
import { portForwardKind } from '../crds-equivalent/port-forward.js';
import { secretKind } from '../crds-equivalent/secret.js';
import { SpecValidator } from './spec-validation.js';

const validator = new SpecValidator([firewallPolicyKind, portForwardKind, azRoutesKind, elasticIpKind, secretKind]);
const errorsOf = (kind: typeof firewallPolicyKind, spec: unknown): string[] => {
  const result = validator.validate(kind, spec);
  return result.ok ? [] : result.errors;
};

describe('SpecValidator pattern messages', () => {
  it('names a CIDR pattern instead of repeating its regex', () => {
    const errors = errorsOf(firewallPolicyKind, { rules: [{ action: 'allow', sourceCidrs: ['10.0.0.0/33'] }] });
    expect(errors).toEqual(['spec.rules[0].sourceCidrs[0]: must match pattern "IPv4 CIDR" (such as 10.0.0.0/16)']);
  });

  it('names inline patterns by their property: CIDR list items, IP addresses, AZ ids, port ranges', () => {
    const az = errorsOf(azRoutesKind, {
      availabilityZoneId: 'nowhere',
      routeTableIds: ['rtb-0123456789abcdef0'],
      destinationCidrs: ['0.0.0.0'],
    });
    expect(az).toContain('spec.availabilityZoneId: must match pattern "AZ ID" (such as use1-az1)');
    expect(az).toContain('spec.destinationCidrs[0]: must match pattern "IPv4 CIDR" (such as 10.0.0.0/16)');
    const eip = errorsOf(elasticIpKind, { allocationId: 'eipalloc-0123456789abcdef0', privateIpAddress: '10.0.0' });
    expect(eip).toContain('spec.privateIpAddress: must match pattern "IPv4 address" (such as 10.0.0.1)');
  });

  it('keeps short patterns as ajv shows them: they say more than a name', () => {
    const errors = errorsOf(elasticIpKind, { allocationId: 'eipalloc-x' });
    expect(errors).toContain('spec.allocationId: must match pattern "^eipalloc-[0-9a-f]{8,17}$"');
  });

  it('no message of 500 bad rules carries a regex, and each stays short', () => {
    const rules = Array.from({ length: 500 }, (_, i) => ({ action: 'allow', sourceCidrs: [`10.0.${i}.0/99`] }));
    const errors = errorsOf(firewallPolicyKind, { rules });
    expect(errors).toHaveLength(500);
    for (const e of errors) {
      expect(e).not.toContain('[0-9]');
      expect(e.length).toBeLessThan(90);
    }
  });
});

describe('SpecValidator field paths', () => {
  // Regression: a value's error names its field by the path ajv gives, whose segments are field names as written: a
  // key holding a line break split the error (status message, event, log line) and could forge a following line.
  it('escapes control characters of field names in the path', () => {
    const errors = errorsOf(secretKind, { data: { 'k\nforged: line\u2028': 5 } });
    expect(errors).toContain('spec.data.k\\u000aforged: line\\u2028: must be string');
    for (const e of errors) expect(e).not.toMatch(/[\r\n\u2028]/);
  });
});
