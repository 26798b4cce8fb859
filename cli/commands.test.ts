import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm, type EmbeddedSsmHandle } from '../embedded-ssm/index.js';
import { findKind } from '../crds-equivalent/index.js';
import { gatewayPaths, specPath, statusPath } from '../runtime/paths.js';
import type { InstanceStatus } from '../runtime/status-types.js';
import { runCsgw, type CliRun } from '../testing/cli-harness.js';

const PREFIX = '/csgw-cli-test';
const sourceNat = findKind('SourceNat') ?? fail('SourceNat kind missing');

function fail(message: string): never {
  throw new Error(message);
}
const paths = gatewayPaths(PREFIX, 'default');

let tmp: string;
let ssm: EmbeddedSsmHandle;
let client: SSMClient;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-cli-'));
  ssm = await startEmbeddedSsm({ dataDir: join(tmp, 'ssm') });
  client = new SSMClient({
    region: 'us-east-1',
    endpoint: ssm.url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
});

afterAll(async () => {
  client.destroy();
  await ssm.close();
  await rm(tmp, { recursive: true, force: true });
});

/** csgw against the test endpoint, with an environment that has no AWS configuration at all. */
function csgw(...argv: string[]): Promise<CliRun> {
  return runCsgw(['--endpoint-url', ssm.url, '--prefix', PREFIX, ...argv], { env: { HOME: tmp } });
}

async function manifest(name: string, text: string): Promise<string> {
  const file = join(tmp, name);
  await writeFile(file, text);
  return file;
}

async function storedVersion(): Promise<{ version?: number; value?: string }> {
  const out = await client.send(new GetParameterCommand({ Name: specPath(paths, sourceNat, 'default') }));
  return { version: out.Parameter?.Version, value: out.Parameter?.Value };
}

describe('apply, get, delete', () => {
  it('creates, leaves an identical spec alone, configures a changed one, then deletes', async () => {
    const v1 = await manifest(
      'snat-v1.yaml',
      'kind: SourceNat\nname: default\nspec:\n  enable: true\n  egressInterface: eth0\n',
    );
    expect(await csgw('apply', '-f', v1)).toMatchObject({
      code: 0,
      stdout: 'sourcenat/default created (generation 1)\n',
    });
    // Stored as written: compact JSON, no schema defaults filled in.
    expect(await storedVersion()).toEqual({ version: 1, value: '{"enable":true,"egressInterface":"eth0"}' });

    const table = await csgw('get', 'snat');
    expect(table.code).toBe(0);
    expect(
      table.stdout
        .split('\n')[1]
        ?.split(/\s{3,}/)
        .slice(0, 6),
    ).toEqual(['default', '1', 'true', '<none>', 'eth0', '<none>']);

    expect(await csgw('apply', '-f', v1)).toMatchObject({
      code: 0,
      stdout: 'sourcenat/default unchanged (generation 1)\n',
    });
    expect((await storedVersion()).version).toBe(1);

    const v2 = await manifest(
      'snat-v2.json',
      JSON.stringify({ kind: 'SourceNat', metadata: { name: 'default' }, spec: { enable: false } }),
    );
    expect(await csgw('apply', '-f', v2)).toMatchObject({
      code: 0,
      stdout: 'sourcenat/default configured (generation 2)\n',
    });

    const json = await csgw('get', 'sourcenats', 'default', '-o', 'json');
    expect(JSON.parse(json.stdout)).toEqual({
      kind: 'SourceNat',
      name: 'default',
      generation: 2,
      spec: { enable: false },
    });

    expect(await csgw('delete', 'sourcenat', 'default')).toMatchObject({
      code: 0,
      stdout: 'sourcenat "default" deleted\n',
    });
    expect(await csgw('get', 'sourcenat', 'default')).toMatchObject({
      code: 1,
      stderr: 'Error: sourcenat "default" not found\n',
    });
    expect(await csgw('delete', 'sourcenat', 'default')).toMatchObject({
      code: 1,
      stderr: 'Error: sourcenat "default" not found\n',
    });
    expect(await csgw('delete', 'sourcenat', 'default', '--ignore-not-found')).toMatchObject({ code: 0, stderr: '' });
  });

  it('writes nothing when any document is invalid and names the field', async () => {
    const dir = join(tmp, 'mixed');
    await mkdir(dir);
    await writeFile(join(dir, 'a-good.yaml'), 'kind: SourceNat\nname: default\nspec: {enable: true}\n');
    await writeFile(join(dir, 'b-bad.yaml'), 'kind: SourceNat\nname: default2\nspec: {mode: carrier-pigeon}\n');
    const run = await csgw('apply', '-f', dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`${join(dir, 'b-bad.yaml')}: SourceNat/default2: name must be "default"`);
    expect(run.stderr).toContain(
      `${join(dir, 'b-bad.yaml')}: SourceNat/default2: spec.mode: must be one of masquerade, snat`,
    );
    expect(run.stderr).toMatch(/Error: 2 errors in manifests; nothing was applied\n$/);
    expect(await csgw('get', 'sourcenat', '-o', 'json')).toMatchObject({ code: 0, stdout: '[]\n' });
  });

  it('rejects values that look like rule injection', async () => {
    const file = await manifest(
      'inject.yaml',
      "kind: SourceNat\nname: default\nspec:\n  egressInterface: 'eth0\"; flush ruleset'\n",
    );
    const run = await csgw('apply', '-f', file);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}: SourceNat/default: spec.egressInterface`);
    expect(await csgw('get', 'sourcenat', 'default')).toMatchObject({ code: 1 });
  });

  it('stores a Secret as a SecureString and never prints its values', async () => {
    const value = 'alice:$apr1$Bb1Jw5qQ$Wu7maM9PUeuL60avCcpNy0';
    const file = await manifest(
      'secret.json',
      JSON.stringify({ kind: 'Secret', name: 'users', spec: { data: { htpasswd: value } } }),
    );
    const applied = await csgw('apply', '-f', file);
    expect(applied.code).toBe(0);
    expect(applied.stdout).not.toContain(value);
    const secretKind = findKind('Secret') ?? fail('Secret kind missing');
    const stored = await client.send(new GetParameterCommand({ Name: specPath(paths, secretKind, 'users') }));
    expect(stored.Parameter?.Type).toBe('SecureString');
    const shown = await csgw('get', 'secret', 'users', '-o', 'json');
    expect(shown.code).toBe(0);
    expect(shown.stdout).not.toContain('apr1');
    expect(JSON.parse(shown.stdout)).toMatchObject({
      spec: { data: { htpasswd: `<redacted: ${value.length} characters>` } },
    });
    expect((await csgw('apply', '-f', file)).stdout).toContain('unchanged');
  });

  it('validates without writing on --dry-run', async () => {
    const file = await manifest('dry.yaml', 'kind: snat\nname: default\nspec: {enable: true}\n');
    expect(await csgw('apply', '--dry-run', '-f', file)).toMatchObject({
      code: 0,
      stdout: 'sourcenat/default valid (dry run)\n',
    });
    expect(await csgw('get', 'sourcenat', 'default')).toMatchObject({ code: 1 });
  });

  it('lists a hand-written value that is not JSON, and deletes by manifest', async () => {
    await client.send(
      new PutParameterCommand({
        Name: specPath(paths, sourceNat, 'default'),
        Value: 'not json',
        Type: 'String',
        Overwrite: true,
      }),
    );
    const run = await csgw('get', 'sourcenat');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^default\s+\d+\s+<invalid JSON>/m);
    const file = await manifest('del.yaml', 'kind: SourceNat\nname: default\nspec: {mode: whatever}\n');
    expect(await csgw('delete', '-f', file)).toMatchObject({ code: 0, stdout: 'sourcenat "default" deleted\n' });
    expect(await csgw('get', 'sourcenat')).toMatchObject({
      code: 0,
      stdout: '',
      stderr: 'No sourcenats found in gateway "default".\n',
    });
  });

  it('explains an unknown kind and a bad manifest path', async () => {
    const run = await csgw('get', 'widgets');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^Error: unknown kind "widgets"; known kinds: SourceNat \(sourcenats, sourcenat, snat\)/,
    );
    const missing = await csgw('apply', '-f', join(tmp, 'nope.yaml'));
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`${join(tmp, 'nope.yaml')}: no such file or directory`);
  });
});

describe('status', () => {
  it('prints a friendly line for an empty fleet, then one row per controller', async () => {
    const empty = await csgw('status');
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^No instance of gateway "default" has reported status yet/);

    const status: InstanceStatus = {
      instanceId: 'i-0abc',
      gateway: 'default',
      operatorVersion: '0.1.0',
      updatedAt: new Date().toISOString(),
      controllers: {
        SourceNat: {
          kind: 'SourceNat',
          name: 'default',
          observedGeneration: 3,
          phase: 'waiting',
          conditions: [
            { type: 'Ready', status: 'False', reason: 'ApplyFailed', message: 'nft failed', lastTransitionTime: '' },
          ],
          details: {},
        },
      },
    };
    await client.send(
      new PutParameterCommand({
        Name: statusPath(paths, 'i-0abc'),
        Value: JSON.stringify(status),
        Type: 'String',
        Overwrite: true,
      }),
    );
    const run = await csgw('status');
    expect(run.code).toBe(0);
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/));
    const headers = ['INSTANCE', 'KIND', 'NAME', 'PHASE', 'READY', 'REASON', 'DEGRADED', 'GENERATION', 'UPDATED'];
    expect(lines[0]).toEqual(headers);
    const row = ['i-0abc', 'SourceNat', 'default', 'waiting', 'False', 'ApplyFailed', '<none>', '3'];
    expect(lines[1]?.slice(0, 8)).toEqual(row);
    expect(JSON.parse((await csgw('status', '-o', 'json')).stdout)).toEqual([status]);
  });
});

describe('help and usage', () => {
  it('prints help for the program and for commands', async () => {
    const root = await runCsgw(['--help']);
    expect(root.code).toBe(0);
    for (const word of ['apply', 'get', 'delete', 'status', 'events', 'ssm', '--endpoint-url', '--gateway'])
      expect(root.stdout).toContain(word);
    const apply = await runCsgw(['apply', '--help']);
    expect(apply).toMatchObject({ code: 0 });
    expect(apply.stdout).toContain('--dry-run');
  });

  it('fails on usage errors', async () => {
    const run = await runCsgw(['get']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("missing required argument 'kind'");
  });
});
