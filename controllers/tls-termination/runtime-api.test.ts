import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unixSocketRuntimeApi } from './runtime-api.js';

// A fake runtime API on a unix socket: it records what it was sent and answers as it is told.
let dir: string;
let server: Server | undefined;
const open = new Set<Socket>();

async function fakeApi(answer: (command: string, socket: Socket) => void): Promise<{ path: string; got: string[] }> {
  dir = await mkdtemp(join(tmpdir(), 'csgw-rtapi-'));
  const path = join(dir, 'admin.sock');
  const got: string[] = [];
  // Half-open, as HAProxy: the client ends its side once the command is sent, the answer follows.
  server = createServer({ allowHalfOpen: true }, (socket) => {
    open.add(socket);
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('end', () => {
      got.push(text);
      answer(text, socket);
    });
  });
  await new Promise<void>((r) => server!.listen(path, r));
  return { path, got };
}

afterEach(async () => {
  for (const s of open) s.destroy();
  open.clear();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

const signal = new AbortController().signal;

describe('unixSocketRuntimeApi', () => {
  it('sends one command and returns the whole answer once HAProxy closes', async () => {
    const { path, got } = await fakeApi((_, s) => {
      s.write('Committing /x.pem.\n');
      setTimeout(() => s.end('Success!\n\n'), 20);
    });
    expect(await unixSocketRuntimeApi(path).send('commit ssl cert /x.pem\n', signal)).toBe(
      'Committing /x.pem.\nSuccess!\n\n',
    );
    expect(got).toEqual(['commit ssl cert /x.pem\n']);
  });

  it('gives up at its deadline when HAProxy does not answer', async () => {
    const { path } = await fakeApi(() => undefined);
    await expect(unixSocketRuntimeApi(path, 100).send('show ssl cert\n', signal)).rejects.toThrow(
      /no answer within 100 ms/,
    );
  });

  it('stops when the caller aborts', async () => {
    const { path } = await fakeApi(() => undefined);
    const caller = new AbortController();
    const sent = unixSocketRuntimeApi(path, 10_000).send('show ssl cert\n', caller.signal);
    caller.abort();
    await expect(sent).rejects.toThrow(/no answer/);
  });

  it('fails with the socket error when nothing listens', async () => {
    dir = await mkdtemp(join(tmpdir(), 'csgw-rtapi-'));
    await expect(unixSocketRuntimeApi(join(dir, 'none.sock')).send('x\n', signal)).rejects.toThrow(/ENOENT/);
  });

  it('drops an answer larger than any HAProxy gives', async () => {
    const { path } = await fakeApi((_, s) => s.end(Buffer.alloc(2 * 1024 * 1024, 'a')));
    await expect(unixSocketRuntimeApi(path).send('x\n', signal)).rejects.toThrow(/answer over/);
  });
});
