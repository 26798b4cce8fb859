import { request } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from '@jest/globals';
import { Subject } from 'rxjs';
import { Registry } from 'prom-client';
import { isLocalHost, startAdminServer, type AdminServer, type AdminSources } from './admin-server.js';
import type { StatusEvent } from './status-types.js';

const event = (reason: string): StatusEvent => ({
  type: 'Normal',
  reason,
  message: `${reason} happened`,
  object: { kind: 'SourceNat', name: 'default' },
  instanceId: 'i-1',
  count: 1,
  firstTimestamp: '2026-01-01T00:00:00.000Z',
  lastTimestamp: '2026-01-01T00:00:00.000Z',
});

function sources(overrides: Partial<AdminSources> = {}): AdminSources & { live: Subject<StatusEvent> } {
  const live = new Subject<StatusEvent>();
  return {
    status: () => ({
      instanceId: 'i-1',
      gateway: '/cloudspectra/g',
      operatorVersion: 't',
      updatedAt: 'now',
      controllers: {},
      source: { ok: true },
    }),
    ready: () => ({ ready: false, reasons: ['controllers have not reconciled yet'] }),
    recentEvents: () => [event('Applied')],
    events$: live,
    registry: new Registry(),
    live,
    ...overrides,
  };
}

/** Reads SSE frames until `count` frames arrived, then cancels the stream. */
async function readFrames(url: string, count: number, onOpen?: () => void): Promise<{ event: string; data: string }[]> {
  const res = await fetch(url);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const frames: { event: string; data: string }[] = [];
  let buffer = '';
  onOpen?.();
  while (frames.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    for (let i = buffer.indexOf('\n\n'); i >= 0; i = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const field = (name: string): string =>
        block
          .split('\n')
          .find((l) => l.startsWith(`${name}: `))
          ?.slice(name.length + 2) ?? '';
      if (field('event')) frames.push({ event: field('event'), data: field('data') });
    }
  }
  await reader.cancel();
  return frames;
}

describe('admin server', () => {
  let server: AdminServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers healthz, and readyz with 503 and the reasons until ready', async () => {
    let ready = false;
    server = await startAdminServer(
      sources({ ready: () => ({ ready, reasons: ready ? [] : ['desired state: not listed'] }) }),
      '127.0.0.1',
      0,
    );
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({ ready: false, reasons: ['desired state: not listed'] });
    ready = true;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });

  it('serves status as JSON and metrics in the registry content type', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ instance: 'i-1' });
    server = await startAdminServer(sources({ registry }), '127.0.0.1', 0);
    expect(await (await fetch(`${server.url}/status`)).json()).toMatchObject({
      instanceId: 'i-1',
      source: { ok: true },
    });
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.headers.get('content-type')).toBe(registry.contentType);
  });

  it('streams recent events, then synced, then live events', async () => {
    const src = sources();
    server = await startAdminServer(src, '127.0.0.1', 0);
    const frames = await readFrames(`${server.url}/events`, 3, () =>
      setTimeout(() => src.live.next(event('DriftRepaired')), 50),
    );
    expect(frames.map((f) => f.event)).toEqual(['status', 'synced', 'status']);
    expect((JSON.parse(frames[0]?.data ?? '{}') as StatusEvent).reason).toBe('Applied');
    expect((JSON.parse(frames[2]?.data ?? '{}') as StatusEvent).reason).toBe('DriftRepaired');
  });

  it('rejects other methods and unknown paths', async () => {
    server = await startAdminServer(sources(), '127.0.0.1', 0);
    expect((await fetch(`${server.url}/status`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });

  it('answers HEAD like GET, without a body', async () => {
    server = await startAdminServer(sources(), '127.0.0.1', 0);
    for (const path of ['/healthz', '/readyz', '/status', '/metrics', '/nope']) {
      const get = await fetch(`${server.url}${path}`);
      const body = await get.text();
      const head = await fetch(`${server.url}${path}`, { method: 'HEAD' });
      expect([head.status, head.headers.get('content-type')]).toEqual([get.status, get.headers.get('content-type')]);
      expect(head.headers.get('content-length')).toBe(String(Buffer.byteLength(body)));
      expect(await head.text()).toBe('');
    }
    const events = await fetch(`${server.url}/events`, { method: 'HEAD' });
    expect([events.status, events.headers.get('content-type'), await events.text()]).toEqual([
      200,
      'text/event-stream',
      '',
    ]);
  });

  it('refuses a Host that is not loopback or an IP literal (DNS rebinding) with 421', async () => {
    server = await startAdminServer(sources(), '127.0.0.1', 0);
    const port = Number(new URL(server.url).port);
    const statusWithHost = (host: string): Promise<number | undefined> =>
      new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, path: '/status', headers: { host } }, (res) => {
          res.resume();
          resolve(res.statusCode);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await statusWithHost('evil.example')).toBe(421);
    expect(await statusWithHost(`evil.example:${port}`)).toBe(421);
    expect(await statusWithHost(`localhost:${port}`)).toBe(200);
    expect(await statusWithHost(`127.0.0.1:${port}`)).toBe(200);
  });

  it('drops an /events client that stops reading once its unread bytes pass the bound', async () => {
    const src = sources();
    server = await startAdminServer(src, '127.0.0.1', 0, { sseMaxBufferedBytes: 64 * 1024 });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    socket.write(`GET /events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
    await until(() => src.live.observed);
    socket.pause(); // a consumer that stopped reading: kernel buffers fill, then the server's own
    const big = { ...event('Flood'), message: 'x'.repeat(16 * 1024) };
    // Loopback socket buffers take a few MB before the server's own buffer grows; 2000 x 16 KB is far more.
    for (let i = 0; i < 2000 && src.live.observed; i++) {
      src.live.next(big);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(src.live.observed).toBe(false);
    socket.destroy();
  });
});

describe('isLocalHost', () => {
  it.each([
    ['localhost', true],
    ['LOCALHOST:9100', true],
    ['127.0.0.1:9100', true],
    ['127.3.4.5', true],
    ['10.0.0.5:9100', true],
    ['[::1]:9100', true],
    ['[::1]', true],
    ['[fe80::1]', true],
    ['evil.example', false],
    ['localhost.evil.example', false],
    ['127.0.0.1.nip.io', false],
    ['[evil]', false],
    ['', false],
    [undefined, false],
  ])('%s -> %s', (host, ok) => {
    expect(isLocalHost(host)).toBe(ok);
  });
});

/** Waits until `condition` holds, polling on the event loop (no fixed sleep). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5));
}
