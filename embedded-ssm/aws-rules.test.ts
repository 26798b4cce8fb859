// Behaviour checked against the SSM API Reference: tag filters and tag operations, the filter keys
// GetParametersByPath refuses, spaces around a created name, and the ARN-based name length.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AddTagsToResourceCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  RemoveTagsFromResourceCommand,
  type ParameterStringFilter,
} from '@aws-sdk/client-ssm';
import { startEmbeddedSsm } from './index.js';
import { clientFor, rejection, startHarness, type Harness } from './testdata/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('aws-rules');
});
afterAll(async () => {
  await h.stop();
});

const put = (Name: string, more: Partial<PutParameterCommand['input']> = {}): Promise<unknown> =>
  h.client.send(new PutParameterCommand({ Name, Value: 'v', Type: 'String', ...more }));
const describeNames = async (filters: ParameterStringFilter[]): Promise<string[]> =>
  ((await h.client.send(new DescribeParametersCommand({ ParameterFilters: filters }))).Parameters ?? []).map(
    (p) => p.Name ?? '',
  );

describe('tags', () => {
  it('filters DescribeParameters by tag:<key>, with tags from PutParameter and AddTagsToResource', async () => {
    await put('/tags/a', { Tags: [{ Key: 'env', Value: 'prod' }] });
    await put('/tags/b', { Tags: [{ Key: 'env', Value: 'dev' }] });
    await put('/tags/c');
    await h.client.send(
      new AddTagsToResourceCommand({
        ResourceType: 'Parameter',
        ResourceId: '/tags/c',
        Tags: [{ Key: 'env', Value: 'prod' }],
      }),
    );
    const prod = [{ Key: 'tag:env', Option: 'Equals', Values: ['prod'] }];
    expect(await describeNames(prod)).toEqual(['/tags/a', '/tags/c']);
    expect(await describeNames([{ Key: 'tag:env', Values: ['dev', 'prod'] }])).toEqual([
      '/tags/a',
      '/tags/b',
      '/tags/c',
    ]);
    expect(await describeNames([{ Key: 'tag:team', Values: ['x'] }])).toEqual([]);
    await h.client.send(
      new RemoveTagsFromResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/a', TagKeys: ['env'] }),
    );
    expect(await describeNames(prod)).toEqual(['/tags/c']);
  });

  it('keeps tags across an overwrite and a restart, and lists them', async () => {
    await put('/tags/kept', { Tags: [{ Key: 'owner', Value: 'net team' }] });
    await put('/tags/kept', { Value: 'v2', Overwrite: true });
    await h.handle.close();
    h.handle = await startEmbeddedSsm({ dataDir: h.dir });
    h.client = clientFor(h.handle.url);
    const listed = await h.client.send(
      new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: '/tags/kept' }),
    );
    expect(listed.TagList).toEqual([{ Key: 'owner', Value: 'net team' }]);
  });

  it('refuses a tag of a missing parameter or another resource type, and an empty tag key filter', async () => {
    const tag = [{ Key: 'k', Value: 'v' }];
    const missing = new AddTagsToResourceCommand({ ResourceType: 'Parameter', ResourceId: '/nope', Tags: tag });
    expect((await rejection(h.client.send(missing))).name).toBe('InvalidResourceId');
    const document = new AddTagsToResourceCommand({ ResourceType: 'Document', ResourceId: '/tags/c', Tags: tag });
    expect((await rejection(h.client.send(document))).name).toBe('InvalidResourceType');
    expect((await rejection(describeNames([{ Key: 'tag:', Values: ['x'] }]))).name).toBe('InvalidFilterKey');
  });
});

describe('GetParametersByPath filters', () => {
  it.each(['Tier', 'DataType', 'Name', 'Path', 'tag:env'])('refuses the %s key with InvalidFilterKey', async (Key) => {
    const call = h.client.send(
      new GetParametersByPathCommand({ Path: '/', ParameterFilters: [{ Key, Values: ['x'] }] }),
    );
    expect((await rejection(call)).name).toBe('InvalidFilterKey');
  });

  it('accepts Type, KeyId and Label', async () => {
    await put('/bypath/s');
    for (const Key of ['Type', 'KeyId', 'Label']) {
      const out = await h.client.send(
        new GetParametersByPathCommand({ Path: '/bypath', ParameterFilters: [{ Key, Values: ['String'] }] }),
      );
      expect(out.Parameters?.map((p) => p.Name)).toEqual(Key === 'Type' ? ['/bypath/s'] : []);
    }
  });
});

describe('names', () => {
  it('removes spaces around a created name, as AWS documents, and refuses other whitespace', async () => {
    await put('  /spaces/a  ');
    expect((await h.client.send(new GetParameterCommand({ Name: '/spaces/a' }))).Parameter?.Name).toBe('/spaces/a');
    for (const name of ['/spaces/a b', '\t/spaces/tab', '/spaces/nl\n'])
      expect((await rejection(put(name))).name).toBe('ValidationException');
  });

  it('counts the 1011 limit of a created name over its ARN (45 characters before the name in us-east-1)', async () => {
    // arn:aws:ssm:us-east-1:000000000000:parameter/ is 45 characters; the name's leading slash is not in the ARN.
    const longest = `/${'x'.repeat(1011 - 45)}`;
    await put(longest);
    expect((await h.client.send(new GetParameterCommand({ Name: longest }))).Parameter?.ARN).toHaveLength(1011);
    expect((await rejection(put(`${longest}y`))).name).toBe('ValidationException');
    expect((await rejection(put('y'.repeat(1011 - 45 + 1)))).name).toBe('ValidationException');
  });

  it('reads names up to the API model length of 2048: a longer one is malformed, a shorter one just missing', async () => {
    const get = (Name: string): Promise<Error> => rejection(h.client.send(new GetParameterCommand({ Name })));
    expect((await get(`/${'z'.repeat(1500)}`)).name).toBe('ParameterNotFound');
    expect((await get(`/${'z'.repeat(2048)}`)).name).toBe('ValidationException');
  });
});
