import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DeleteParameterCommand,
  DeleteParametersCommand,
  GetParameterCommand,
  GetParameterHistoryCommand,
  GetParametersCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import type { PutParameterCommandInput } from '@aws-sdk/client-ssm';
import { clientFor, rejection, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('params');
});
afterAll(async () => {
  await h.stop();
});

function put(
  input: Partial<PutParameterCommandInput> & { Name: string },
): Promise<{ Version?: number; Tier?: string }> {
  return h.client.send(new PutParameterCommand({ Value: 'v', Type: 'String', ...input }));
}

async function errorName(input: Partial<PutParameterCommandInput> & { Name: string }): Promise<string> {
  return (await rejection(put(input))).name;
}

describe('PutParameter / GetParameter', () => {
  it('creates, reads and overwrites a parameter with AWS-shaped fields', async () => {
    const before = Date.now();
    expect(await put({ Name: '/app/db/host', Value: 'db1' })).toMatchObject({ Version: 1, Tier: 'Standard' });
    const got = await h.client.send(new GetParameterCommand({ Name: '/app/db/host' }));
    expect(got.Parameter).toMatchObject({
      Name: '/app/db/host',
      Type: 'String',
      Value: 'db1',
      Version: 1,
      DataType: 'text',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/app/db/host',
    });
    const modified = got.Parameter?.LastModifiedDate;
    expect(modified).toBeInstanceOf(Date);
    expect(modified?.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(modified?.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(await put({ Name: '/app/db/host', Value: 'db2', Overwrite: true })).toMatchObject({ Version: 2 });
    const again = await h.client.send(new GetParameterCommand({ Name: '/app/db/host' }));
    expect(again.Parameter).toMatchObject({ Value: 'db2', Version: 2 });
  });

  it('supports StringList and simple names', async () => {
    await put({ Name: 'plain-name', Value: 'a,b,c', Type: 'StringList' });
    const got = await h.client.send(new GetParameterCommand({ Name: 'plain-name' }));
    expect(got.Parameter).toMatchObject({
      Type: 'StringList',
      Value: 'a,b,c',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/plain-name',
    });
  });

  it('rejects a put without Overwrite on an existing parameter', async () => {
    await put({ Name: '/exists' });
    expect(await errorName({ Name: '/exists' })).toBe('ParameterAlreadyExists');
  });

  it('keeps the type, description and allowed pattern when an overwrite omits them', async () => {
    await put({ Name: '/keep', Value: '1', Description: 'kept', AllowedPattern: '[0-9]+' });
    await h.client.send(new PutParameterCommand({ Name: '/keep', Value: '2', Overwrite: true }));
    const history = await h.client.send(new GetParameterHistoryCommand({ Name: '/keep' }));
    expect(history.Parameters?.[1]).toMatchObject({
      Type: 'String',
      Description: 'kept',
      AllowedPattern: '[0-9]+',
      Value: '2',
    });
    expect(await errorName({ Name: '/keep', Value: 'abc', Overwrite: true })).toBe('ParameterPatternMismatchException');
  });

  it('records the caller access key as LastModifiedUser', async () => {
    const other = clientFor(h.handle.url, 'AKIDEXAMPLE');
    await other.send(new PutParameterCommand({ Name: '/who', Value: 'x', Type: 'String' }));
    other.destroy();
    const history = await h.client.send(new GetParameterHistoryCommand({ Name: '/who' }));
    expect(history.Parameters?.[0]?.LastModifiedUser).toBe('arn:aws:iam::000000000000:user/AKIDEXAMPLE');
  });

  it('picks tiers: Intelligent-Tiering goes Advanced only for large values, Advanced never reverts', async () => {
    expect(await put({ Name: '/tier/small', Tier: 'Intelligent-Tiering' })).toMatchObject({ Tier: 'Standard' });
    expect(await put({ Name: '/tier/big', Value: 'x'.repeat(5000), Tier: 'Intelligent-Tiering' })).toMatchObject({
      Tier: 'Advanced',
    });
    expect(await put({ Name: '/tier/adv', Tier: 'Advanced' })).toMatchObject({ Tier: 'Advanced' });
    expect(await put({ Name: '/tier/adv', Overwrite: true })).toMatchObject({ Tier: 'Advanced' });
    expect(await errorName({ Name: '/tier/adv', Tier: 'Standard', Overwrite: true })).toBe('ValidationException');
  });

  it('enforces value limits', async () => {
    expect(await errorName({ Name: '/limit/empty', Value: '' })).toBe('ValidationException');
    expect(await errorName({ Name: '/limit/std', Value: 'x'.repeat(4097) })).toBe('ValidationException');
    expect(await put({ Name: '/limit/std-ok', Value: 'x'.repeat(4096) })).toMatchObject({ Version: 1 });
    expect(await errorName({ Name: '/limit/adv', Value: 'x'.repeat(8193), Tier: 'Advanced' })).toBe(
      'ValidationException',
    );
    expect(await put({ Name: '/limit/adv-ok', Value: 'x'.repeat(8192), Tier: 'Advanced' })).toMatchObject({
      Version: 1,
    });
  });

  it('rejects malformed names with ValidationException', async () => {
    for (const name of ['has space', 'a/b', '/a//b', '/a/b/', '/', `/${'x'.repeat(1011)}`, '/bad*char']) {
      expect(await errorName({ Name: name })).toBe('ValidationException');
    }
  });

  it('limits hierarchies to 15 levels', async () => {
    const fifteen = `/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`;
    expect(await put({ Name: fifteen })).toMatchObject({ Version: 1 });
    expect(await errorName({ Name: `${fifteen}/l15` })).toBe('HierarchyLevelLimitExceededException');
  });

  it('denies the reserved aws and ssm namespaces', async () => {
    for (const name of ['/aws/x', '/ssm/x', 'awsThing', 'SSM-thing', '/AWS/y']) {
      expect(await errorName({ Name: name })).toBe('AccessDeniedException');
    }
  });

  it('validates type, data type, pattern, tags and policies', async () => {
    expect(await errorName({ Name: '/v/notype', Type: undefined })).toBe('ValidationException');
    expect(await errorName({ Name: '/v/ami', DataType: 'aws:ec2:image' })).toBe('ValidationException');
    expect(await errorName({ Name: '/v/dt', DataType: 'json' })).toBe('ValidationException');
    expect(await errorName({ Name: '/v/pattern', Value: 'abc', AllowedPattern: '^[0-9]+$' })).toBe(
      'ParameterPatternMismatchException',
    );
    expect(await errorName({ Name: '/v/badpattern', AllowedPattern: '([' })).toBe('InvalidAllowedPatternException');
    expect(await put({ Name: '/v/pattern-ok', Value: '123', AllowedPattern: '^[0-9]+$' })).toMatchObject({
      Version: 1,
    });
    expect(await errorName({ Name: '/v/tags', Overwrite: true, Tags: [{ Key: 'k', Value: 'v' }] })).toBe(
      'ValidationException',
    );
    expect(await put({ Name: '/v/tags-ok', Tags: [{ Key: 'k', Value: 'v' }] })).toMatchObject({ Version: 1 });
    expect(await errorName({ Name: '/v/policy', Tier: 'Advanced', Policies: '[{"Type":"Expiration"}]' })).toBe(
      'ValidationException',
    );
  });

  it('serializes concurrent overwrites into distinct versions', async () => {
    await put({ Name: '/concurrent', Value: '0' });
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => put({ Name: '/concurrent', Value: String(i + 1), Overwrite: true })),
    );
    expect(results.map((r) => r.Version).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 2),
    );
  });
});

describe('selectors', () => {
  beforeAll(async () => {
    await put({ Name: '/sel', Value: 'one' });
    await put({ Name: '/sel', Value: 'two', Overwrite: true });
    await put({ Name: '/sel', Value: 'three', Overwrite: true });
    const { LabelParameterVersionCommand } = await import('@aws-sdk/client-ssm');
    await h.client.send(new LabelParameterVersionCommand({ Name: '/sel', ParameterVersion: 2, Labels: ['prod'] }));
  });

  it('reads a version by number and by label, echoing the Selector', async () => {
    const v1 = await h.client.send(new GetParameterCommand({ Name: '/sel:1' }));
    expect(v1.Parameter).toMatchObject({ Name: '/sel', Value: 'one', Version: 1, Selector: ':1' });
    const prod = await h.client.send(new GetParameterCommand({ Name: '/sel:prod' }));
    expect(prod.Parameter).toMatchObject({ Name: '/sel', Value: 'two', Version: 2, Selector: ':prod' });
    const latest = await h.client.send(new GetParameterCommand({ Name: '/sel' }));
    expect(latest.Parameter).toMatchObject({ Value: 'three', Version: 3 });
    expect(latest.Parameter?.Selector).toBeUndefined();
  });

  it('reports unknown versions and labels as ParameterVersionNotFound', async () => {
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/sel:9' })))).name).toBe(
      'ParameterVersionNotFound',
    );
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/sel:nolabel' })))).name).toBe(
      'ParameterVersionNotFound',
    );
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/missing:1' })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('resolves selectors in GetParameters and lists the unresolvable ones', async () => {
    const res = await h.client.send(
      new GetParametersCommand({ Names: ['/sel:1', '/sel:prod', '/sel:7', '/nope', 'bad name'] }),
    );
    expect(res.Parameters?.map((p) => [p.Value, p.Selector])).toEqual([
      ['one', ':1'],
      ['two', ':prod'],
    ]);
    expect(res.InvalidParameters).toEqual(['/sel:7', '/nope', 'bad name']);
  });
});

describe('GetParameters / DeleteParameter(s)', () => {
  it('returns ParameterNotFound for a missing parameter', async () => {
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/does/not/exist' })))).name).toBe(
      'ParameterNotFound',
    );
    expect((await rejection(h.client.send(new DeleteParameterCommand({ Name: '/does/not/exist' })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('limits GetParameters and DeleteParameters to 10 names', async () => {
    const names = Array.from({ length: 11 }, (_, i) => `/n${i}`);
    expect((await rejection(h.client.send(new GetParametersCommand({ Names: names })))).name).toBe(
      'ValidationException',
    );
    expect((await rejection(h.client.send(new DeleteParametersCommand({ Names: names })))).name).toBe(
      'ValidationException',
    );
    expect((await rejection(h.client.send(new GetParametersCommand({ Names: [] })))).name).toBe('ValidationException');
  });

  it('deletes one or many; a re-created parameter starts again at version 1', async () => {
    await put({ Name: '/del/a' });
    await put({ Name: '/del/a', Overwrite: true });
    await put({ Name: '/del/b' });
    await put({ Name: '/del/c' });
    await h.client.send(new DeleteParameterCommand({ Name: '/del/a' }));
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/del/a' })))).name).toBe(
      'ParameterNotFound',
    );
    const res = await h.client.send(new DeleteParametersCommand({ Names: ['/del/b', '/del/c', '/del/zz'] }));
    expect(res.DeletedParameters).toEqual(['/del/b', '/del/c']);
    expect(res.InvalidParameters).toEqual(['/del/zz']);
    const got = await h.client.send(new GetParametersCommand({ Names: ['/del/b', '/del/c'] }));
    expect(got.Parameters).toEqual([]);
    expect(await put({ Name: '/del/a' })).toMatchObject({ Version: 1 });
  });
});
