import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedSsm } from '../embedded-ssm/index.js';
import { runCsgw } from '../testing/cli-harness.js';

let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'csgw-serve-'));
});

afterAll(async () => rm(tmp, { recursive: true, force: true }));

describe('csgw ssm serve', () => {
  it('serves the data dir until interrupted, and its state is what csgw uses by default', async () => {
    const stop = new AbortController();
    let url: string | undefined;
    let check: Promise<string | undefined> | undefined;
    const run = runCsgw(['ssm', 'serve', '--listen', '127.0.0.1:0', '--data-dir', tmp], {
      shutdown: stop.signal,
      onStdout: (out) => {
        url ??= /Listening on (http:\S+)/.exec(out)?.[1];
        if (url && !check) check = putAndRead(url).finally(() => stop.abort());
      },
    });
    const result = await run;
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`--endpoint-url ${url}`);
    expect(result.stdout).toMatch(/Stopped\.\n$/);
    expect(await check).toBe('{"enable":true}');

    // Without any AWS configuration csgw starts the embedded endpoint on the same data dir and sees the value.
    const get = await runCsgw(['get', 'sourcenat', 'default', '-o', 'json', '--data-dir', tmp], { env: { HOME: tmp } });
    expect(get).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(get.stdout)).toMatchObject({ generation: 1, spec: { enable: true } });
  });

  it('says where the data dir is already served instead of starting a second server', async () => {
    const dataDir = join(tmp, 'busy');
    const live = await startEmbeddedSsm({ dataDir: join(dataDir, 'ssm') });
    try {
      const run = await runCsgw(['ssm', 'serve', '--data-dir', dataDir]);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(new RegExp(`^Error: process \\d+ already serves .*busy/ssm at ${live.url}\n$`));
    } finally {
      await live.close();
    }
  });

  it('rejects a malformed --listen', async () => {
    const run = await runCsgw(['ssm', 'serve', '--listen', 'nonsense', '--data-dir', tmp]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('invalid listen address "nonsense"');
  });
});

async function putAndRead(url: string): Promise<string | undefined> {
  const client = new SSMClient({
    region: 'us-east-1',
    endpoint: url,
    credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
  });
  try {
    const name = '/cloudspectra/default/spec/sourcenats/default';
    await client.send(new PutParameterCommand({ Name: name, Value: '{"enable":true}', Type: 'String' }));
    return (await client.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } finally {
    client.destroy();
  }
}
