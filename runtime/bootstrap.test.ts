import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetParameterCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { createSsmClient } from '../adapters/ssm-client.js';
import { kinds } from '../crds-equivalent/index.js';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { bootstrapDefaults } from './bootstrap.js';
import { gatewayPaths } from './paths.js';

let dir: string;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'csgw-bootstrap-'));
  ssm = await startEmbeddedSsm({ dataDir: dir });
  client = createSsmClient({ region: 'us-east-1', endpoint: ssm.url, dummyCredentials: true });
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
  await rm(dir, { recursive: true, force: true });
});

describe('bootstrapDefaults', () => {
  it('creates the defaults (SourceNat on, source/dest check off) once; a second instance finds them', async () => {
    const paths = gatewayPaths('/cloudspectra', 'boot');
    expect(await bootstrapDefaults(client, paths, kinds)).toEqual([
      { kind: 'SourceNat', name: 'default', created: true },
      { kind: 'SourceDestCheck', name: 'default', created: true },
    ]);
    expect(await bootstrapDefaults(client, paths, kinds)).toEqual([
      { kind: 'SourceNat', name: 'default', created: false },
      { kind: 'SourceDestCheck', name: 'default', created: false },
    ]);
    const check = await client.send(
      new GetParameterCommand({ Name: '/cloudspectra/boot/spec/sourcedestchecks/default' }),
    );
    expect(check.Parameter?.Value).toBe('{"enabled":false}');
    const stored = await client.send(new GetParameterCommand({ Name: '/cloudspectra/boot/spec/sourcenats/default' }));
    expect(stored.Parameter).toMatchObject({ Version: 1, Value: '{"enable":true}' });
  });

  it("never replaces a user's resource", async () => {
    const paths = gatewayPaths('/cloudspectra', 'user');
    const name = '/cloudspectra/user/spec/sourcenats/default';
    await client.send(new PutParameterCommand({ Name: name, Value: '{"enable":false}', Type: 'String' }));
    expect(await bootstrapDefaults(client, paths, kinds)).toContainEqual({
      kind: 'SourceNat',
      name: 'default',
      created: false,
    });
    expect((await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value).toBe('{"enable":false}');
  });
});
