import { describe, expect, it } from '@jest/globals';
import { fwSnapshot, type PolicyResource } from '../../testing/firewall-fixtures.js';
import { createFirewallDecoder, type FirewallState } from './decode.js';
import type { DecodeResult } from '../../runtime/controller.js';

const allow = { action: 'allow' };

function ok(result: DecodeResult<FirewallState>): Extract<DecodeResult<FirewallState>, { ok: true }> {
  if (!result.ok) throw new Error(`decode failed: ${result.errors.join('; ')}`);
  return result;
}

const forwardIds = (result: DecodeResult<FirewallState>): string[] =>
  ok(result).desired.spec.policy?.forward.rules.map((r) => r.id) ?? [];

describe('FirewallPolicy decode: merging resources', () => {
  it('owns nothing when no resource exists', () => {
    expect(createFirewallDecoder()({ kind: 'FirewallPolicy', resources: [] })).toEqual({
      ok: true,
      desired: { spec: { rejected: [] } },
      ignored: [],
    });
  });

  it('evaluates resources by (order, name), whatever order they were written in, keeping rule order inside', () => {
    const result = createFirewallDecoder()(
      fwSnapshot(
        { name: 'b', spec: { order: 10, rules: [allow, allow] }, generation: 7 },
        { name: 'a', spec: { order: 10, rules: [allow] }, generation: 2 },
        { name: 'c', spec: { order: 5, rules: [allow] }, generation: 3 },
        { name: 'd', spec: { rules: [allow] } },
        { name: 'B', spec: { order: 10, rules: [allow] } },
      ),
    );
    // Names tie-break by code unit: upper case before lower case, whatever the locale.
    expect(forwardIds(result)).toEqual([
      'c/rules[0]',
      'B/rules[0]',
      'a/rules[0]',
      'b/rules[0]',
      'b/rules[1]',
      'd/rules[0]',
    ]);
    // Status shows the admitted resources in evaluation order and the newest generation.
    expect(ok(result).desired).toMatchObject({ name: 'c,B,a,b,d', generation: 7 });
  });

  it('turns rules into policy rules: ports as ranges, empty lists for "any", input rules with their own ids', () => {
    const spec = {
      defaultAction: 'deny',
      rules: [
        {
          action: 'reject',
          sourceCidrs: ['10.1.0.0/16'],
          protocol: 'tcp',
          destinationPorts: [443, '8000-8100'],
          comment: 'web',
        },
      ],
      input: { rules: [{ action: 'allow', protocol: 'icmp' }] },
    };
    expect(ok(createFirewallDecoder()(fwSnapshot({ name: 'edge', spec }))).desired.spec).toEqual({
      policy: {
        forward: {
          defaultAction: 'deny',
          rules: [
            {
              id: 'edge/rules[0]',
              action: 'reject',
              sources: ['10.1.0.0/16'],
              destinations: [],
              protocol: 'tcp',
              ports: [
                { first: 443, last: 443 },
                { first: 8000, last: 8100 },
              ],
              comment: 'web',
            },
          ],
        },
        input: {
          defaultAction: 'deny',
          rules: [
            { id: 'edge/input.rules[0]', action: 'allow', sources: [], destinations: [], protocol: 'icmp', ports: [] },
          ],
        },
      },
      rejected: [],
    });
  });

  it('defaults: forward allow when no resource sets it, input deny; input only when some resource opts in', () => {
    const without = ok(createFirewallDecoder()(fwSnapshot({ name: 'a', spec: { rules: [allow] } })));
    expect(without.desired.spec.policy).toEqual({ forward: expect.objectContaining({ defaultAction: 'allow' }) });
    const withInput = ok(
      createFirewallDecoder()(fwSnapshot({ name: 'a', spec: {} }, { name: 'b', spec: { input: {} } })),
    );
    expect(withInput.desired.spec.policy?.input).toEqual({ rules: [], defaultAction: 'deny' });
  });

  it('takes a default from whichever resource sets it, and agrees when several set the same', () => {
    const result = createFirewallDecoder()(
      fwSnapshot(
        { name: 'a', spec: { rules: [allow], input: { rules: [] } } },
        { name: 'b', spec: { defaultAction: 'reject', input: { defaultAction: 'allow' } } },
        { name: 'c', spec: { defaultAction: 'reject' } },
      ),
    );
    expect(ok(result).desired.spec.policy).toMatchObject({
      forward: { defaultAction: 'reject' },
      input: { defaultAction: 'allow' },
    });
    expect(ok(result).ignored).toEqual([]);
  });
});

describe('FirewallPolicy decode: admission', () => {
  const base: PolicyResource = { name: 'base', spec: { defaultAction: 'deny', rules: [allow] }, generation: 4 };

  it('rejects the later-written of two resources setting different defaultActions, and reports it', () => {
    const late: PolicyResource = { name: 'aaa', spec: { defaultAction: 'allow', rules: [allow] }, generation: 2 };
    const result = ok(createFirewallDecoder()(fwSnapshot(base, late)));
    expect(result.desired.name).toBe('base');
    expect(result.desired.spec.policy?.forward).toMatchObject({
      defaultAction: 'deny',
      rules: [{ id: 'base/rules[0]' }],
    });
    const error = 'defaultAction allow conflicts with deny set by FirewallPolicy/base generation 4';
    expect(result.desired.spec.rejected).toEqual([{ name: 'aaa', generation: 2, errors: [error] }]);
    expect(result.ignored).toEqual([
      { name: 'aaa', reason: `FirewallPolicy/aaa generation 2 rejected: ${error}; none of it is applied` },
    ]);
  });

  it('decides by write time, not by name or order: the other way round the other resource loses', () => {
    const late = { name: 'aaa', spec: { defaultAction: 'allow' } };
    const result = ok(
      createFirewallDecoder()(
        fwSnapshot({ ...base, modifiedAt: '2024-06-02T00:00:00Z' }, { ...late, modifiedAt: '2024-06-01T00:00:00Z' }),
      ),
    );
    expect(result.desired.spec.rejected.map((r) => r.name)).toEqual(['base']);
    expect(result.desired.spec.policy?.forward.defaultAction).toBe('allow');
  });

  it('rejects a conflicting input.defaultAction', () => {
    const result = ok(
      createFirewallDecoder()(
        fwSnapshot(
          { name: 'a', spec: { input: { defaultAction: 'deny' } } },
          { name: 'b', spec: { input: { defaultAction: 'allow', rules: [allow] } } },
        ),
      ),
    );
    expect(result.desired.spec.rejected).toEqual([
      {
        name: 'b',
        generation: 1,
        errors: ['input.defaultAction allow conflicts with deny set by FirewallPolicy/a generation 1'],
      },
    ]);
    expect(result.desired.spec.policy?.input).toEqual({ rules: [], defaultAction: 'deny' });
  });

  it('rejects the resource that takes the policy over maxRules, counting forward and input rules', () => {
    const decode = createFirewallDecoder(5);
    const result = ok(
      decode(
        fwSnapshot(
          { name: 'a', spec: { rules: [allow, allow], input: { rules: [allow] } } },
          { name: 'b', spec: { rules: [allow, allow, allow] } },
          { name: 'c', spec: { rules: [allow, allow] } },
        ),
      ),
    );
    expect(result.desired.spec.rejected).toEqual([
      {
        name: 'b',
        generation: 1,
        errors: ['its 3 rules would bring the policy to 6 rules, over the maximum of 5'],
      },
    ]);
    expect(result.desired.name).toBe('a,c');
  });

  it('keeps the last good generation of a resource whose new generation is invalid', () => {
    const decode = createFirewallDecoder();
    ok(decode(fwSnapshot(base, { name: 'web', spec: { rules: [allow] }, generation: 1 })));
    const result = ok(
      decode(fwSnapshot(base, { name: 'web', spec: { rules: [{ action: 'allow', protocol: 'gre' }] }, generation: 2 })),
    );
    expect(result.desired).toMatchObject({ name: 'base,web', generation: 4 });
    expect(forwardIds(result)).toEqual(['base/rules[0]', 'web/rules[0]']);
    expect(result.desired.spec.rejected).toEqual([
      {
        name: 'web',
        generation: 2,
        errors: ['spec.rules[0].protocol: must be one of tcp, udp, icmp, any'],
        running: 1,
      },
    ]);
    expect(result.ignored[0]?.reason).toMatch(/; generation 1 keeps running$/);
  });

  it('falls back to the last good generation when a new one conflicts, if the old one fits', () => {
    const decode = createFirewallDecoder(4);
    ok(decode(fwSnapshot(base, { name: 'web', spec: { rules: [allow] }, generation: 1 })));
    const conflicting = ok(
      decode(fwSnapshot(base, { name: 'web', spec: { defaultAction: 'allow', rules: [] }, generation: 2 })),
    );
    expect(conflicting.desired.spec.rejected).toMatchObject([{ name: 'web', generation: 2, running: 1 }]);
    expect(forwardIds(conflicting)).toEqual(['base/rules[0]', 'web/rules[0]']);
    const tooBig = ok(
      decode(fwSnapshot(base, { name: 'web', spec: { rules: [allow, allow, allow, allow] }, generation: 3 })),
    );
    expect(tooBig.desired.spec.rejected).toMatchObject([{ name: 'web', generation: 3, running: 1 }]);
  });

  it('drops a rejected resource entirely when its last good generation does not fit either', () => {
    const decode = createFirewallDecoder(2);
    ok(decode(fwSnapshot({ name: 'web', spec: { rules: [allow, allow] } })));
    // A new resource written earlier than web's generation 2 claims first and leaves no room for web at all.
    const result = ok(
      decode(
        fwSnapshot(
          { name: 'new', spec: { rules: [allow] }, modifiedAt: '2024-01-01T00:00:00Z' },
          { name: 'web', spec: { rules: [allow, allow, allow] }, generation: 2, modifiedAt: '2024-02-01T00:00:00Z' },
        ),
      ),
    );
    expect(result.desired.name).toBe('new');
    expect(result.desired.spec.rejected).toEqual([
      { name: 'web', generation: 2, errors: [expect.stringMatching(/over the maximum of 2/) as unknown] },
    ]);
  });

  it('is invalid, rather than owning nothing, when resources exist but none can be admitted', () => {
    const result = createFirewallDecoder()(
      fwSnapshot(
        { name: 'a', spec: { rules: [{ action: 'allow', sourceCidrs: ['10.0.0.1/8'] }] }, generation: 3 },
        { name: 'b', spec: '{not json' },
      ),
    );
    expect(result).toEqual({
      ok: false,
      name: 'a',
      generation: 3,
      errors: [
        'spec.rules[0].sourceCidrs[0]: 10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?',
        'FirewallPolicy/b: spec: must be object',
      ],
    });
  });

  it('keeps the first errors of a generation with many, so events and status stay small', () => {
    const rules = Array.from({ length: 8 }, (_, i) => ({ action: 'allow', sourceCidrs: [`10.0.${i}.1/24`] }));
    const decode = createFirewallDecoder();
    ok(decode(fwSnapshot({ name: 'a', spec: {} })));
    const result = ok(decode(fwSnapshot({ name: 'a', spec: {} }, { name: 'b', spec: { rules } })));
    expect(result.desired.spec.rejected[0]?.errors).toHaveLength(8);
    expect(result.ignored[0]?.reason).toMatch(/rules\[4\].*; and 3 more errors; none of it is applied$/);
    const invalid = decode(fwSnapshot({ name: 'b', spec: { rules } }));
    expect(!invalid.ok && invalid.errors).toHaveLength(6);
  });

  it('reports a value that is not JSON with the generation that carried it', () => {
    const result = createFirewallDecoder()({
      kind: 'FirewallPolicy',
      resources: [{ name: 'x', generation: 9, value: '{"rules":' }],
    });
    expect(result).toMatchObject({
      ok: false,
      name: 'x',
      generation: 9,
      errors: [expect.stringMatching(/^spec is not valid JSON/)],
    });
  });
});
