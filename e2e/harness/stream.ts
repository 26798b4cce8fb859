// A long-lived HTTP download watched from the outside: a small node script inside a test host GETs a URL (e.g. the
// echo server's /stream?seconds=N) and appends one JSON line per received chunk to a file, so a test can check,
// while it changes the gateway, that bytes keep arriving, and afterwards that the stream ended cleanly.
import { waitFor } from '../../testing/wait.js';
import type { Role, Topology } from './topology.js';

/** One line of the progress file: a chunk arrived (bytes/lines so far), the response ended, or an error. */
export interface StreamSample {
  /** Date.now() inside the container: the same clock as the test's (containers share the host kernel). */
  at: number;
  bytes: number;
  /** Newlines received so far (the echo server's /stream sends one JSON line per chunk). */
  lines: number;
  status?: number;
  end?: true;
  error?: string;
}

export interface StreamSummary {
  samples: StreamSample[];
  lines: number;
  bytes: number;
  ended: boolean;
  error?: string;
  /** Longest time between two consecutive samples. */
  maxGapMs: number;
  firstAt: number;
  lastAt: number;
}

/** An https URL's trust and name: the CA file in the container, and the server name for SNI, Host and verification. */
export interface StreamTls {
  caFile: string;
  serverName: string;
}

// Plain CommonJS for `node -e`; argv: url, progress file, TLS options (JSON, for https URLs).
const WATCHER = `
const fs = require('node:fs');
const [url, file, tlsJson] = process.argv.slice(1);
const tls = tlsJson ? JSON.parse(tlsJson) : undefined;
const options = tls
  ? { ca: fs.readFileSync(tls.caFile), servername: tls.serverName, headers: { host: tls.serverName } }
  : {};
let bytes = 0, lines = 0, status;
const log = (extra) => fs.appendFileSync(file, JSON.stringify({ at: Date.now(), bytes, lines, status, ...extra }) + '\\n');
require(url.startsWith('https:') ? 'node:https' : 'node:http').get(url, options, (res) => {
  status = res.statusCode;
  res.on('data', (chunk) => {
    bytes += chunk.length;
    for (const b of chunk) if (b === 10) lines += 1;
    log({});
  });
  res.on('end', () => log({ end: true }));
  res.on('error', (e) => log({ error: e.code || e.message }));
}).on('error', (e) => log({ error: e.code || e.message }));
`;

export class StreamWatcher {
  private constructor(
    private readonly topology: Topology,
    private readonly role: Role,
    private readonly file: string,
  ) {}

  /** Starts the download in `role`, detached, and resolves once its first chunk arrived. */
  static async start(topology: Topology, role: Role, url: string, tls?: StreamTls): Promise<StreamWatcher> {
    const file = `/tmp/stream-${Date.now()}-${Math.random().toString(16).slice(2)}.ndjson`;
    const run = 'nohup node -e "$1" "$2" "$3" "$4" >"$3.err" 2>&1 &';
    const tlsArg = tls ? JSON.stringify(tls) : '';
    const started = await topology.exec(role, ['sh', '-c', run, 'sh', WATCHER, url, file, tlsArg]);
    if (started.exitCode !== 0) throw new Error(`stream watcher did not start: ${started.stderr}`);
    const watcher = new StreamWatcher(topology, role, file);
    await waitFor(async () => (await watcher.samples()).some((s) => s.bytes > 0 || s.error), {
      timeoutMs: 10_000,
      what: `first chunk of ${url}`,
    });
    return watcher;
  }

  async samples(): Promise<StreamSample[]> {
    const out = await this.topology.exec(this.role, ['cat', this.file]);
    if (out.exitCode !== 0) return [];
    return out.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as StreamSample);
  }

  /** Resolves with the first sample showing more bytes than `since` had (bytes kept arriving), or throws. */
  async moreThan(since: StreamSample, timeoutMs = 5_000): Promise<StreamSample> {
    return waitFor(async () => (await this.samples()).find((s) => s.bytes > since.bytes), {
      timeoutMs,
      what: `bytes after ${since.bytes} (at ${new Date(since.at).toISOString()})`,
    });
  }

  async latest(): Promise<StreamSample> {
    const all = await this.samples();
    const last = all[all.length - 1];
    if (!last) throw new Error('stream watcher recorded nothing');
    return last;
  }

  /** Waits for the response to end (or fail) and summarises it. */
  async finished(timeoutMs: number): Promise<StreamSummary> {
    const samples = await waitFor(
      async () => {
        const all = await this.samples();
        return all.some((s) => s.end || s.error) && all;
      },
      { timeoutMs, what: 'the stream to end' },
    );
    return summarise(samples);
  }
}

function summarise(samples: StreamSample[]): StreamSummary {
  const last = samples[samples.length - 1] as StreamSample;
  let maxGapMs = 0;
  for (let i = 1; i < samples.length; i++) {
    maxGapMs = Math.max(maxGapMs, (samples[i] as StreamSample).at - (samples[i - 1] as StreamSample).at);
  }
  const error = samples.find((s) => s.error)?.error;
  return {
    samples,
    lines: last.lines,
    bytes: last.bytes,
    ended: samples.some((s) => s.end),
    ...(error ? { error } : {}),
    maxGapMs,
    firstAt: (samples[0] as StreamSample).at,
    lastAt: last.at,
  };
}
