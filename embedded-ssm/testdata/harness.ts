// Shared test setup: a temp data dir, a running endpoint and an SDK client pointed at it.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { startEmbeddedSsm } from '../index.js';
import type { EmbeddedSsmHandle } from '../index.js';

export interface Harness {
  dir: string;
  handle: EmbeddedSsmHandle;
  client: SSMClient;
  stop(): Promise<void>;
}

export function clientFor(url: string, accessKeyId = 'test'): SSMClient {
  return new SSMClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

/** The official SQS client against the endpoint (the same URL serves SSM and SQS). */
export function sqsClientFor(url: string, region = 'us-east-1'): SQSClient {
  return new SQSClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
}

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `embedded-ssm-${prefix}-`));
}

export async function startHarness(prefix: string): Promise<Harness> {
  const dir = await tempDir(prefix);
  const handle = await startEmbeddedSsm({ dataDir: dir });
  const harness: Harness = {
    dir,
    handle,
    client: clientFor(handle.url),
    // Reads the fields at stop time: tests may swap in a restarted handle and client.
    async stop() {
      harness.client.destroy();
      await harness.handle.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
  return harness;
}

/** The error a promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof Error) return err;
    throw new Error(`rejected with a non-Error: ${String(err)}`, { cause: err });
  }
  throw new Error('expected the call to fail, but it succeeded');
}
