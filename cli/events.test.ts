import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StatusEvent } from '../runtime/status-types.js';
import { runCsgw } from '../testing/cli-harness.js';

function event(reason: string, type: StatusEvent['type'] = 'Normal'): StatusEvent {
  const now = new Date().toISOString();
  return {
    type,
    reason,
    message: `${reason} happened`,
    object: { kind: 'SourceNat', name: 'default' },
    instanceId: 'i-1',
    count: 1,
    firstTimestamp: now,
    lastTimestamp: now,
  };
}

const frame = (e: StatusEvent): string => `event: status\ndata: ${JSON.stringify(e)}\n\n`;

let server: Server | undefined;

/** A tiny admin API: GET /events replays `replay`, sends synced, then hands the response to `live`. */
async function adminApi(replay: StatusEvent[], live?: (res: ServerResponse) => void): Promise<string> {
  server = createServer((req, res) => {
    if (req.url !== '/events') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.write(': hello\n\n');
    for (const e of replay) res.write(frame(e));
    res.write('event: synced\ndata: {}\n\n');
    if (live) live(res);
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('csgw events', () => {
  it('prints the replayed events and exits at synced', async () => {
    // The server never ends the response: the command must stop by itself at synced.
    const url = await adminApi([event('Applied'), event('ApplyFailed', 'Warning')], () => undefined);
    const run = await runCsgw(['events', '--admin-url', url]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout
      .trimEnd()
      .split('\n')
      .map((l) => l.split(/\s{3,}/));
    expect(lines).toEqual([
      ['LAST', 'TYPE', 'REASON', 'OBJECT', 'COUNT', 'MESSAGE'],
      [expect.stringMatching(/^\d+s$/), 'Normal', 'Applied', 'sourcenat/default', '1', 'Applied happened'],
      [expect.stringMatching(/^\d+s$/), 'Warning', 'ApplyFailed', 'sourcenat/default', '1', 'ApplyFailed happened'],
    ]);
  });

  it('prints one JSON object per line with -o json', async () => {
    const url = await adminApi([event('Applied')], () => undefined);
    const run = await runCsgw(['events', '--admin-url', `${url}/`, '-o', 'json']);
    expect(run.code).toBe(0);
    expect(
      run.stdout
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l) as StatusEvent),
    ).toEqual(
      [event('Applied')].map((e) => ({ ...e, firstTimestamp: expect.any(String), lastTimestamp: expect.any(String) })),
    );
  });

  it('follows new events with -w until interrupted', async () => {
    const url = await adminApi([], (res) => setTimeout(() => res.write(frame(event('DriftRepaired'))), 50));
    const stop = new AbortController();
    const run = await runCsgw(['events', '-w', '--admin-url', url], {
      shutdown: stop.signal,
      onStdout: (out) => {
        if (out.includes('DriftRepaired')) stop.abort();
      },
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(
      /^LAST\s+TYPE\s+REASON\s+OBJECT\s+COUNT\s+MESSAGE\n\d+s\s+Normal\s+DriftRepaired\s+sourcenat\/default/,
    );
  });

  it('fails when the stream ends while following', async () => {
    const url = await adminApi([], (res) => res.end());
    const run = await runCsgw(['events', '-w', '--admin-url', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`Error: ${url}/events: the operator closed the event stream\n`);
  });

  it('names the URL when nothing listens there', async () => {
    const url = await adminApi([]);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    const run = await runCsgw(['events', '--admin-url', url]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `Error: cannot reach the operator admin API at ${url}/events: connection refused (is the operator running, and is this its --admin-url?)\n`,
    );
  });

  it('reports an HTTP error status', async () => {
    const url = await adminApi([]);
    const run = await runCsgw(['events', '--admin-url', `${url}/nested`]);
    expect(run).toMatchObject({ code: 1, stderr: `Error: ${url}/nested/events: HTTP 404 Not Found\n` });
  });
});
