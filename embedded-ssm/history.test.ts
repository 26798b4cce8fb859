import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  GetParameterCommand,
  GetParameterHistoryCommand,
  LabelParameterVersionCommand,
  ListTagsForResourceCommand,
  PutParameterCommand,
  UnlabelParameterVersionCommand,
  paginateGetParameterHistory,
} from '@aws-sdk/client-ssm';
import type { ParameterHistory } from '@aws-sdk/client-ssm';
import { rejection, startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('history');
});
afterAll(async () => {
  await h.stop();
});

async function putVersions(name: string, count: number): Promise<void> {
  for (let i = 1; i <= count; i++) {
    await h.client.send(new PutParameterCommand({ Name: name, Value: `v${i}`, Type: 'String', Overwrite: true }));
  }
}

async function history(name: string): Promise<ParameterHistory[]> {
  const all: ParameterHistory[] = [];
  for await (const page of paginateGetParameterHistory({ client: h.client }, { Name: name })) {
    all.push(...(page.Parameters ?? []));
  }
  return all;
}

function label(
  name: string,
  version: number | undefined,
  labels: string[],
): Promise<{ InvalidLabels?: string[]; ParameterVersion?: number }> {
  return h.client.send(new LabelParameterVersionCommand({ Name: name, ParameterVersion: version, Labels: labels }));
}

describe('GetParameterHistory', () => {
  it('lists every version oldest first with its labels', async () => {
    await putVersions('/h/basic', 3);
    await label('/h/basic', 2, ['blue']);
    const res = await h.client.send(new GetParameterHistoryCommand({ Name: '/h/basic' }));
    expect(res.Parameters?.map((p) => [p.Version, p.Value, p.Labels])).toEqual([
      [1, 'v1', []],
      [2, 'v2', ['blue']],
      [3, 'v3', []],
    ]);
    expect(res.Parameters?.[0]).toMatchObject({ Name: '/h/basic', Type: 'String', Tier: 'Standard', DataType: 'text' });
    expect(res.Parameters?.[0]?.LastModifiedDate).toBeInstanceOf(Date);
    expect(res.NextToken).toBeUndefined();
  });

  it('pages with MaxResults 1..50 and rejects other values', async () => {
    const first = await h.client.send(new GetParameterHistoryCommand({ Name: '/h/basic', MaxResults: 2 }));
    expect(first.Parameters?.map((p) => p.Version)).toEqual([1, 2]);
    const second = await h.client.send(
      new GetParameterHistoryCommand({ Name: '/h/basic', MaxResults: 2, NextToken: first.NextToken }),
    );
    expect(second.Parameters?.map((p) => p.Version)).toEqual([3]);
    expect(second.NextToken).toBeUndefined();
    expect(
      (await rejection(h.client.send(new GetParameterHistoryCommand({ Name: '/h/basic', MaxResults: 51 })))).name,
    ).toBe('ValidationException');
    expect((await rejection(h.client.send(new GetParameterHistoryCommand({ Name: '/h/none' })))).name).toBe(
      'ParameterNotFound',
    );
  });

  it('keeps the newest 100 versions: the 101st drops the oldest', async () => {
    await putVersions('/h/limit', 101);
    const all = await history('/h/limit');
    expect(all).toHaveLength(100);
    expect(all[0]?.Version).toBe(2);
    expect(all[99]?.Version).toBe(101);
    expect((await rejection(h.client.send(new GetParameterCommand({ Name: '/h/limit:1' })))).name).toBe(
      'ParameterVersionNotFound',
    );
  });

  it('refuses a new version when the oldest of 100 carries a label', async () => {
    await putVersions('/h/pinned', 100);
    await label('/h/pinned', 1, ['keep']);
    const err = await rejection(
      h.client.send(new PutParameterCommand({ Name: '/h/pinned', Value: 'x', Type: 'String', Overwrite: true })),
    );
    expect(err.name).toBe('ParameterMaxVersionLimitExceeded');
    await label('/h/pinned', 50, ['keep']);
    await h.client.send(new PutParameterCommand({ Name: '/h/pinned', Value: 'x', Type: 'String', Overwrite: true }));
    expect((await history('/h/pinned'))[0]?.Version).toBe(2);
  });
});

describe('LabelParameterVersion', () => {
  beforeAll(async () => {
    await putVersions('/l/p', 3);
  });

  it('labels the latest version by default and moves a label between versions', async () => {
    expect(await label('/l/p', undefined, ['prod'])).toMatchObject({ InvalidLabels: [], ParameterVersion: 3 });
    expect(await label('/l/p', 1, ['prod', 'old'])).toMatchObject({ ParameterVersion: 1 });
    const all = await history('/l/p');
    expect(all.map((p) => p.Labels)).toEqual([['prod', 'old'], [], []]);
    const got = await h.client.send(new GetParameterCommand({ Name: '/l/p:prod' }));
    expect(got.Parameter?.Version).toBe(1);
  });

  it('returns labels that break the rules in InvalidLabels', async () => {
    const bad = ['1starts-with-digit', 'awsLabel', 'SSM-label', 'has space', 'x'.repeat(101), 'slash/no'];
    const res = await label('/l/p', 2, [...bad, 'good_label-1.0']);
    expect(res.InvalidLabels).toEqual(bad);
    expect((await history('/l/p'))[1]?.Labels).toEqual(['good_label-1.0']);
  });

  it('allows at most 10 labels per version', async () => {
    const ten = Array.from({ length: 9 }, (_, i) => `l${i}`);
    await label('/l/p', 2, ten); // 1 existing + 9
    const err = await rejection(label('/l/p', 2, ['eleventh']));
    expect(err.name).toBe('ParameterVersionLabelLimitExceeded');
    expect(await label('/l/p', 2, ['l0'])).toMatchObject({ ParameterVersion: 2 });
  });

  it('reports missing parameters and versions', async () => {
    expect((await rejection(label('/l/none', 1, ['a']))).name).toBe('ParameterNotFound');
    expect((await rejection(label('/l/p', 99, ['a']))).name).toBe('ParameterVersionNotFound');
  });

  it('removes labels with UnlabelParameterVersion', async () => {
    const res = await h.client.send(
      new UnlabelParameterVersionCommand({ Name: '/l/p', ParameterVersion: 1, Labels: ['old', 'missing'] }),
    );
    expect(res).toMatchObject({ RemovedLabels: ['old'], InvalidLabels: ['missing'] });
    expect((await history('/l/p'))[0]?.Labels).toEqual(['prod']);
  });

  it('keeps the parameter tags when labels change', async () => {
    const name = '/label/tagged';
    await h.client.send(
      new PutParameterCommand({ Name: name, Value: 'v', Type: 'String', Tags: [{ Key: 'team', Value: 'net' }] }),
    );
    await h.client.send(new LabelParameterVersionCommand({ Name: name, Labels: ['live'] }));
    await h.client.send(new UnlabelParameterVersionCommand({ Name: name, ParameterVersion: 1, Labels: ['live'] }));
    const tags = await h.client.send(new ListTagsForResourceCommand({ ResourceType: 'Parameter', ResourceId: name }));
    expect(tags.TagList).toEqual([{ Key: 'team', Value: 'net' }]);
  });
});
