import { describe, expect, it } from '@jest/globals';
import { pfHarness, pfSnapshot, rule, type ResourceInput } from '../../testing/port-forward-fixtures.js';

const web = (over: Partial<ResourceInput> = {}): ResourceInput => ({
  name: 'web',
  spec: { rules: [rule(8080, '10.0.1.5', 80), rule(8443, '10.0.1.5', 443)] },
  ...over,
});
const api = (over: Partial<ResourceInput> = {}): ResourceInput => ({
  name: 'api',
  spec: { rules: [rule(9000, '10.0.1.6'), { listenPortRange: '8440-8450', destinationIp: '10.0.1.7' }] },
  ...over,
});

/** Resource names of the admitted forwards, in claim order. */
const admittedNames = (forwards: { resource: string }[]): string[] => [...new Set(forwards.map((f) => f.resource))];

describe('PortForward decode: several resources', () => {
  it('merges every admitted resource; status shows their names and the newest generation', () => {
    const { controller } = pfHarness();
    const result = controller.decode(
      pfSnapshot([
        web({ generation: 4 }),
        { name: 'ssh', spec: { rules: [rule(2222, '10.0.1.9', 22)] }, generation: 7 },
      ]),
    );
    expect(result).toMatchObject({ ok: true, desired: { name: 'web,ssh', generation: 7 }, ignored: [] });
    if (!result.ok) return;
    expect(result.desired.spec.forwards.map((f) => `${f.resource}[${f.rule}]`)).toEqual(['web[0]', 'web[1]', 'ssh[0]']);
    expect(result.desired.spec.resources).toEqual([
      { name: 'web', generation: 4, rules: 2 },
      { name: 'ssh', generation: 7, rules: 1 },
    ]);
  });

  it('owns nothing when no resource exists', () => {
    expect(pfHarness().controller.decode(pfSnapshot([]))).toEqual({
      ok: true,
      desired: { spec: { forwards: [], resources: [], rejected: [] } },
      ignored: [],
    });
  });

  it.each([
    ['api first', '2025-01-01T00:00:00Z', '2025-01-01T00:05:00Z', 'api', 'web'],
    ['web first', '2025-01-01T00:05:00Z', '2025-01-01T00:00:00Z', 'web', 'api'],
  ])('the earlier claim wins a port, whatever the names (%s)', (_what, apiAt, webAt, winner, loser) => {
    const { controller } = pfHarness();
    const result = controller.decode(pfSnapshot([api({ modifiedAt: apiAt }), web({ modifiedAt: webAt })]));
    if (!result.ok) throw new Error('decode failed');
    expect(admittedNames(result.desired.spec.forwards)).toEqual([winner]);
    expect(result.desired.name).toBe(winner);
    expect(result.ignored.map((i) => i.name)).toEqual([loser]);
    expect(result.desired.spec.rejected).toMatchObject([{ name: loser, generation: 1 }]);
  });

  it('a resource whose first generation is rejected makes the kind not Ready (InvalidSpec at that generation)', () => {
    const { controller } = pfHarness();
    const result = controller.decode(
      pfSnapshot([{ name: 'bad', generation: 4, spec: { rules: [{ listenPort: 0 }] } }]),
    );
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.name).toBeUndefined();
    const observed = { ipForward: { value: '1', writable: true } };
    expect(controller.conditions?.(result.desired, observed)).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'False', reason: 'InvalidSpec', observedGeneration: 4 }),
    ]);
    const fine = controller.decode(pfSnapshot([web()]));
    if (!fine.ok) throw new Error('decode failed');
    expect(controller.conditions?.(fine.desired, observed)).toEqual([]);
  });

  it('names the other resource, rule and port in the rejection, and repeats it as a warning', () => {
    const { controller } = pfHarness();
    const result = controller.decode(pfSnapshot([web(), api()]));
    if (!result.ok) throw new Error('decode failed');
    const message =
      'spec.rules[1].listenPortRange: tcp 8440-8450 is already claimed by PortForward/web rules[1] (tcp 8443)';
    expect(result.desired.spec.rejected).toEqual([{ name: 'api', generation: 1, errors: [message] }]);
    expect(result.ignored).toEqual([
      { name: 'api', reason: `PortForward/api generation 1 rejected: ${message}; none of it is applied` },
    ]);
    const observed = { ipForward: { value: '1', writable: true } };
    expect(controller.warnings(result.desired, observed)).toEqual([
      {
        resource: 'api',
        reason: 'ResourceRejected',
        message: `PortForward/api generation 1 rejected: ${message}; none of it is applied`,
      },
    ]);
  });

  it('rejects a masquerade clash across resources', () => {
    const { controller } = pfHarness();
    const direct = { name: 'direct', spec: { rules: [{ ...rule(7000, '10.0.1.5', 80), masquerade: false }] } };
    const result = controller.decode(pfSnapshot([web(), direct]));
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.rejected[0]?.errors).toEqual([
      'spec.rules[0].masquerade: false differs from PortForward/web rules[0], which also forwards to 10.0.1.5 tcp 80; after translation the gateway cannot tell their connections apart',
    ]);
  });

  it('lists at most three conflicts and counts the rest', () => {
    const { controller } = pfHarness();
    const wide = { name: 'wide', spec: { rules: [1, 2, 3, 4, 5].map((p) => rule(p, '10.0.0.1')) } };
    const late = { name: 'late', spec: { rules: [1, 2, 3, 4, 5].map((p) => rule(p, '10.0.0.2')) } };
    const result = controller.decode(pfSnapshot([wide, late]));
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.rejected[0]?.errors[0]).toMatch(/rules\[2\] \(tcp 3\); and 2 more$/);
  });

  it('enforces maxRules across resources: the resource that would exceed it is rejected', () => {
    const { controller } = pfHarness({ maxRules: 3 });
    const result = controller.decode(
      pfSnapshot([
        web(),
        { name: 'ssh', spec: { rules: [rule(22, '10.0.0.9'), rule(23, '10.0.0.9')] } },
        { name: 'one', spec: { rules: [rule(1, '10.0.0.1')] } },
      ]),
    );
    if (!result.ok) throw new Error('decode failed');
    expect(admittedNames(result.desired.spec.forwards)).toEqual(['web', 'one']);
    expect(result.desired.spec.rejected).toEqual([
      {
        name: 'ssh',
        generation: 1,
        errors: ['spec.rules: its 2 rules would make 4 port forwards, more than the limit of 3'],
      },
    ]);
  });
});

describe('PortForward decode: last good generation', () => {
  it('keeps the previous generation running when an edit is invalid', () => {
    const { controller } = pfHarness();
    controller.decode(pfSnapshot([web({ generation: 1 })]));
    const result = controller.decode(pfSnapshot([web({ generation: 2, spec: { rules: [rule(0, '10.0.0.1')] } })]));
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired).toMatchObject({ name: 'web', generation: 1 });
    expect(result.desired.spec.forwards.map((f) => f.listen.first)).toEqual([8080, 8443]);
    expect(result.desired.spec.rejected).toEqual([
      { name: 'web', generation: 2, errors: ['spec.rules[0].listenPort: must be >= 1'], running: 1 },
    ]);
    expect(result.ignored[0]?.reason).toMatch(/; generation 1 keeps running$/);
  });

  it('keeps the previous generation running when an edit conflicts with an earlier claim', () => {
    const { controller } = pfHarness();
    const at = { web: '2025-01-01T00:00:00Z', ssh: '2025-01-01T00:01:00Z', edit: '2025-01-01T00:09:00Z' };
    const ssh = { name: 'ssh', spec: { rules: [rule(2222, '10.0.1.9', 22)] }, modifiedAt: at.ssh };
    controller.decode(pfSnapshot([ssh, web({ modifiedAt: at.web })]));
    const edited = web({ generation: 2, modifiedAt: at.edit, spec: { rules: [rule(2222, '10.0.2.2')] } });
    const result = controller.decode(pfSnapshot([ssh, edited]));
    if (!result.ok) throw new Error('decode failed');
    // ssh's claim is older than web's new generation, so ssh keeps 2222 and web runs its generation 1 rules.
    expect(result.desired.spec.forwards.map((f) => `${f.resource}:${f.listen.first}`)).toEqual([
      'ssh:2222',
      'web:8080',
      'web:8443',
    ]);
    expect(result.desired).toMatchObject({ name: 'ssh,web', generation: 1 });
    expect(result.desired.spec.rejected).toMatchObject([{ name: 'web', generation: 2, running: 1 }]);
  });

  it('has no fallback for a resource never admitted, and forgets a resource once it is deleted', () => {
    const { controller } = pfHarness();
    expect(controller.decode(pfSnapshot([web({ spec: { rules: [] } })]))).toMatchObject({
      ok: true,
      desired: {
        spec: { forwards: [], rejected: [{ name: 'web', errors: ['spec.rules: must NOT have fewer than 1 items'] }] },
      },
    });
    controller.decode(pfSnapshot([web({ generation: 2 })]));
    controller.decode(pfSnapshot([]));
    const result = controller.decode(pfSnapshot([web({ generation: 3, spec: {} })]));
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.forwards).toEqual([]);
    expect(result.desired.spec.rejected[0]?.running).toBeUndefined();
  });

  it('reports JSON that does not parse', () => {
    const { controller } = pfHarness();
    const result = controller.decode({
      kind: 'PortForward',
      resources: [{ name: 'x', generation: 1, value: '{"rules":' }],
    });
    if (!result.ok) throw new Error('decode failed');
    expect(result.desired.spec.rejected[0]?.errors[0]).toMatch(/^spec is not valid JSON/);
  });
});
