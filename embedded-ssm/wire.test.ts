import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startHarness } from './testdata/harness.js';
import type { Harness } from './testdata/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness('wire');
});
afterAll(async () => {
  await h.stop();
});

async function call(
  target: string | undefined,
  body: string,
  method = 'POST',
): Promise<{ status: number; type: string | null; json: unknown }> {
  const headers: Record<string, string> = { 'content-type': 'application/x-amz-json-1.1' };
  if (target !== undefined) headers['x-amz-target'] = target;
  const res = await fetch(`${h.handle.url}/`, { method, headers, ...(method === 'POST' ? { body } : {}) });
  return { status: res.status, type: res.headers.get('x-amzn-errortype'), json: await res.json() };
}

describe('JSON 1.1 wire protocol', () => {
  it('serves a raw request without any signature', async () => {
    const put = await call('AmazonSSM.PutParameter', JSON.stringify({ Name: '/raw', Value: 'x', Type: 'String' }));
    expect(put).toMatchObject({ status: 200, json: { Version: 1, Tier: 'Standard' } });
    const got = await call('AmazonSSM.GetParameter', JSON.stringify({ Name: '/raw' }));
    expect(got.json).toMatchObject({ Parameter: { Name: '/raw', Value: 'x' } });
    const modified = (got.json as { Parameter: { LastModifiedDate: unknown } }).Parameter.LastModifiedDate;
    expect(typeof modified).toBe('number');
  });

  it('shapes errors with __type and x-amzn-ErrorType', async () => {
    const res = await call('AmazonSSM.GetParameter', JSON.stringify({ Name: '/absent' }));
    expect(res).toMatchObject({ status: 400, type: 'ParameterNotFound', json: { __type: 'ParameterNotFound' } });
    expect((res.json as { message: string }).message).toContain('/absent');
  });

  it('requires an X-Amz-Target naming a known operation', async () => {
    expect(await call(undefined, '{}')).toMatchObject({ status: 400, type: 'MissingAction' });
    expect(await call('AmazonSSM.SendCommand', '{}')).toMatchObject({ status: 400, type: 'InvalidAction' });
    expect(await call('AmazonEC2.DescribeInstances', '{}')).toMatchObject({
      status: 400,
      type: 'UnknownOperationException',
    });
    expect(await call('AmazonSSM.constructor', '{}')).toMatchObject({ status: 400, type: 'InvalidAction' });
    expect(await call('AmazonSSM.GetParameter', '', 'GET')).toMatchObject({ status: 405 });
  });

  it('rejects malformed JSON, wrong member types and oversized bodies', async () => {
    expect(await call('AmazonSSM.GetParameter', '{not json')).toMatchObject({
      status: 400,
      type: 'SerializationException',
    });
    expect(await call('AmazonSSM.GetParameter', '[1]')).toMatchObject({ status: 400, type: 'SerializationException' });
    expect(await call('AmazonSSM.GetParameter', '{"Name": 5}')).toMatchObject({
      status: 400,
      type: 'SerializationException',
    });
    expect(await call('AmazonSSM.GetParameter', '{}')).toMatchObject({ status: 400, type: 'ValidationException' });
    const big = JSON.stringify({ Name: '/big', Value: 'x'.repeat(600 * 1024), Type: 'String' });
    expect(await call('AmazonSSM.PutParameter', big)).toMatchObject({
      status: 413,
      type: 'RequestEntityTooLargeException',
    });
  });
});
