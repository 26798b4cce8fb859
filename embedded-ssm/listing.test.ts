import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  DescribeParametersCommand,
  GetParametersByPathCommand,
  LabelParameterVersionCommand,
  PutParameterCommand,
  paginateDescribeParameters,
  paginateGetParametersByPath,
} from '@aws-sdk/client-ssm';
import type { DescribeParametersCommandInput, ParameterType } from '@aws-sdk/client-ssm';
import { rejection, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;

async function put(Name: string, Type: ParameterType = 'String', Value = 'v'): Promise<void> {
  await h.client.send(new PutParameterCommand({ Name, Value, Type, Overwrite: true }));
}

beforeAll(async () => {
  h = await startHarness('listing');
  await put('/app/a');
  await put('/app/b', 'StringList');
  await put('/app/sub/c', 'SecureString');
  await put('/app/sub/deep/d');
  await put('/application/x');
  await put('/other/y');
  await put('top');
  for (let i = 0; i < 25; i++) await put(`/many/p${String(i).padStart(2, '0')}`);
  for (let i = 0; i < 60; i++) await put(`/desc/q${String(i).padStart(2, '0')}`);
});
afterAll(async () => {
  await h.stop();
});

async function byPath(Path: string, Recursive = false): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateGetParametersByPath({ client: h.client }, { Path, Recursive })) {
    names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
  }
  return names;
}

async function describeNames(input: DescribeParametersCommandInput): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateDescribeParameters({ client: h.client }, input)) {
    names.push(...(page.Parameters ?? []).map((p) => p.Name ?? ''));
  }
  return names;
}

describe('GetParametersByPath', () => {
  it('lists one level, or everything below with Recursive', async () => {
    expect(await byPath('/app')).toEqual(['/app/a', '/app/b']);
    expect(await byPath('/app/')).toEqual(['/app/a', '/app/b']);
    expect(await byPath('/app', true)).toEqual(['/app/a', '/app/b', '/app/sub/c', '/app/sub/deep/d']);
    expect(await byPath('/app/sub', true)).toEqual(['/app/sub/c', '/app/sub/deep/d']);
    expect(await byPath('/nothing')).toEqual([]);
  });

  it('treats / as the root, including names without a leading slash', async () => {
    expect(await byPath('/')).toEqual(['top']);
    expect((await byPath('/', true)).length).toBe(7 + 25 + 60);
  });

  it('pages with NextToken and MaxResults', async () => {
    const first = await h.client.send(new GetParametersByPathCommand({ Path: '/many', MaxResults: 10 }));
    expect(first.Parameters).toHaveLength(10);
    expect(first.NextToken).toBeDefined();
    const pages = [];
    for await (const page of paginateGetParametersByPath({ client: h.client, pageSize: 10 }, { Path: '/many' })) {
      pages.push(page.Parameters?.length);
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(await byPath('/many')).toEqual(Array.from({ length: 25 }, (_, i) => `/many/p${String(i).padStart(2, '0')}`));
  });

  it('keeps paging consistent when parameters are added between pages', async () => {
    const first = await h.client.send(new GetParametersByPathCommand({ Path: '/many', MaxResults: 10 }));
    await put('/many/a-first');
    const second = await h.client.send(
      new GetParametersByPathCommand({ Path: '/many', MaxResults: 10, NextToken: first.NextToken }),
    );
    expect(second.Parameters?.[0]?.Name).toBe('/many/p10');
  });

  it('applies Type and Label filters; Label returns the labelled version', async () => {
    const secure = await h.client.send(
      new GetParametersByPathCommand({
        Path: '/app',
        Recursive: true,
        ParameterFilters: [{ Key: 'Type', Values: ['SecureString'] }],
      }),
    );
    expect(secure.Parameters?.map((p) => p.Name)).toEqual(['/app/sub/c']);
    await put('/app/a', 'String', 'newer');
    await h.client.send(new LabelParameterVersionCommand({ Name: '/app/a', ParameterVersion: 1, Labels: ['stable'] }));
    const labelled = await h.client.send(
      new GetParametersByPathCommand({
        Path: '/app',
        ParameterFilters: [{ Key: 'Label', Option: 'Equals', Values: ['stable'] }],
      }),
    );
    expect(labelled.Parameters?.map((p) => [p.Name, p.Version, p.Value])).toEqual([['/app/a', 1, 'v']]);
  });

  it('validates the path, MaxResults, NextToken and filters', async () => {
    const fail = async (input: ConstructorParameters<typeof GetParametersByPathCommand>[0]): Promise<string> =>
      (await rejection(h.client.send(new GetParametersByPathCommand(input)))).name;
    expect(await fail({ Path: 'app' })).toBe('ValidationException');
    expect(await fail({ Path: '/a//b' })).toBe('ValidationException');
    expect(await fail({ Path: '/app', MaxResults: 11 })).toBe('ValidationException');
    expect(await fail({ Path: '/app', MaxResults: 0 })).toBe('ValidationException');
    expect(await fail({ Path: '/app', NextToken: 'garbage!!' })).toBe('InvalidNextToken');
    expect(await fail({ Path: '/app', ParameterFilters: [{ Key: 'Name', Values: ['x'] }] })).toBe('InvalidFilterKey');
    expect(await fail({ Path: '/app', ParameterFilters: [{ Key: 'Type', Option: 'Contains', Values: ['x'] }] })).toBe(
      'InvalidFilterOption',
    );
  });
});

describe('DescribeParameters', () => {
  it('returns metadata of the latest version', async () => {
    await h.client.send(
      new PutParameterCommand({
        Name: '/meta/p',
        Value: 'secret',
        Type: 'SecureString',
        Description: 'd',
        Overwrite: true,
      }),
    );
    const res = await h.client.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Name', Values: ['/meta/p'] }] }),
    );
    expect(res.Parameters).toHaveLength(1);
    expect(res.Parameters?.[0]).toMatchObject({
      Name: '/meta/p',
      ARN: 'arn:aws:ssm:us-east-1:000000000000:parameter/meta/p',
      Type: 'SecureString',
      KeyId: 'alias/aws/ssm',
      Description: 'd',
      Version: 1,
      Tier: 'Standard',
      DataType: 'text',
      LastModifiedUser: 'arn:aws:iam::000000000000:user/test',
      Policies: [],
    });
    expect(res.Parameters?.[0]?.LastModifiedDate).toBeInstanceOf(Date);
    expect(JSON.stringify(res)).not.toContain('secret');
  });

  it('filters by Name (Equals, BeginsWith), Path (OneLevel, Recursive) and Type', async () => {
    expect(
      await describeNames({ ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: ['/app/a', 'top'] }] }),
    ).toEqual(['/app/a', 'top']);
    expect(
      await describeNames({ ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/app'] }] }),
    ).toEqual(['/app/a', '/app/b', '/app/sub/c', '/app/sub/deep/d', '/application/x']);
    expect(await describeNames({ ParameterFilters: [{ Key: 'Path', Values: ['/app'] }] })).toEqual([
      '/app/a',
      '/app/b',
    ]);
    expect(
      await describeNames({ ParameterFilters: [{ Key: 'Path', Option: 'Recursive', Values: ['/app/sub'] }] }),
    ).toEqual(['/app/sub/c', '/app/sub/deep/d']);
    expect(
      await describeNames({
        ParameterFilters: [
          { Key: 'Path', Option: 'Recursive', Values: ['/'] },
          { Key: 'Type', Values: ['StringList'] },
        ],
      }),
    ).toEqual(['/app/b']);
  });

  it('accepts the legacy Filters', async () => {
    expect(await describeNames({ Filters: [{ Key: 'Name', Values: ['/other'] }] })).toEqual(['/other/y']);
    expect(await describeNames({ Filters: [{ Key: 'Type', Values: ['StringList'] }] })).toEqual(['/app/b']);
  });

  it('pages with MaxResults up to 50', async () => {
    const first = await h.client.send(
      new DescribeParametersCommand({ ParameterFilters: [{ Key: 'Path', Values: ['/desc'] }] }),
    );
    expect(first.Parameters).toHaveLength(50);
    const second = await h.client.send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Path', Values: ['/desc'] }],
        NextToken: first.NextToken,
      }),
    );
    expect(second.Parameters).toHaveLength(10);
    expect(second.NextToken).toBeUndefined();
    const all = await describeNames({ ParameterFilters: [{ Key: 'Path', Values: ['/desc'] }], MaxResults: 7 });
    expect(all).toHaveLength(60);
    expect(new Set(all).size).toBe(60);
  });

  it('validates MaxResults and filters', async () => {
    const fail = async (input: DescribeParametersCommandInput): Promise<string> =>
      (await rejection(h.client.send(new DescribeParametersCommand(input)))).name;
    expect(await fail({ MaxResults: 51 })).toBe('ValidationException');
    expect(await fail({ ParameterFilters: [{ Key: 'Bogus', Values: ['x'] }] })).toBe('InvalidFilterKey');
    expect(await fail({ ParameterFilters: [{ Key: 'Path', Option: 'Equals', Values: ['/x'] }] })).toBe(
      'InvalidFilterOption',
    );
    expect(await fail({ ParameterFilters: [{ Key: 'Name', Values: [] }] })).toBe('InvalidFilterValue');
    expect(
      await fail({ ParameterFilters: [{ Key: 'Name', Values: ['a'] }], Filters: [{ Key: 'Name', Values: ['a'] }] }),
    ).toBe('ValidationException');
  });
});
