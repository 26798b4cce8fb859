import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { AiGatewayConfig } from '../../ai-gateway/config.js';
import { FAKE_AWS_CREDENTIALS, fakeGatewayConfig } from '../../testing/fake-llm-upstreams.js';
import type { Cleanup } from './cleanup.js';
import { freePort } from './proc.js';

/**
 * The AI gateway benchmark's three kinds of child process, each optionally pinned with `taskset -c <cpus>`: the fake
 * OpenAI upstream (`fake-upstream-server.js`), the real `csgw ai-gateway` and Portkey's Node server. Each is stopped
 * with SIGTERM (SIGKILL after 5 s) by the cleanup, whatever way the benchmark ends.
 */
export interface Child {
  name: string;
  pid: number;
  /** Base URL of the OpenAI-compatible API, ending in /v1. */
  url: string;
  logFile: string;
  stop(): Promise<void>;
}

/** dist/cli/main.js and dist/bench/lib/fake-upstream-server.js: compiled, as production runs them. */
const CLI = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
const UPSTREAM = fileURLToPath(new URL('./fake-upstream-server.js', import.meta.url));
const BARE_PROXY = fileURLToPath(new URL('./bare-proxy-server.js', import.meta.url));
const EXIT_WITH_PARENT = new URL('./exit-with-parent.js', import.meta.url).href;

export interface SpawnOptions {
  /** taskset CPU list; undefined: not pinned. */
  cpus: string | undefined;
  dir: string;
  /** Node flags for the gateways, e.g. --cpu-prof. */
  nodeFlags?: string[];
}

function spawnNode(name: string, args: string[], opts: SpawnOptions, env: NodeJS.ProcessEnv): ChildProcess {
  const logFile = join(opts.dir, `${name}.log`);
  const argv = [process.execPath, `--import=${EXIT_WITH_PARENT}`, ...(opts.nodeFlags ?? []), ...args];
  const [cmd, ...rest] = opts.cpus === undefined ? argv : ['taskset', '-c', opts.cpus, ...argv];
  const log = openSync(logFile, 'a');
  // stdin is a pipe the child may watch: it closes when this process dies, even by SIGKILL.
  const printsUrl = name === 'upstream' || name === 'node-proxy';
  const child = spawn(cmd!, rest, { env, stdio: ['pipe', printsUrl ? 'pipe' : log, log] });
  closeSync(log);
  return child;
}

function track(cleanup: Cleanup, name: string, child: ChildProcess, url: string, logFile: string): Child {
  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopped ??= stopChild(child));
  cleanup.add(`stop ${name}`, stop);
  return { name, pid: child.pid ?? -1, url, logFile, stop };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A clean environment: a caller's AWS_PROFILE, CSGW_* or NODE_OPTIONS must not change what is measured. */
function cleanEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...extra };
}

/** Starts the fake upstream and reads the URL it prints. */
export function startUpstream(cleanup: Cleanup, opts: SpawnOptions): Promise<Child> {
  return startPrinting(cleanup, 'upstream', [UPSTREAM], opts);
}

/** Starts the bare Node reverse proxy (bare-proxy-server.ts) in front of the upstream. */
export function startBareProxy(cleanup: Cleanup, opts: SpawnOptions, upstreamUrl: string): Promise<Child> {
  return startPrinting(cleanup, 'node-proxy', [BARE_PROXY, upstreamUrl], opts);
}

async function startPrinting(cleanup: Cleanup, name: string, args: string[], opts: SpawnOptions): Promise<Child> {
  const child = spawnNode(name, args, opts, cleanEnv(opts.dir));
  const handle = track(cleanup, name, child, '', join(opts.dir, `${name}.log`));
  const lines = createInterface({ input: child.stdout! });
  const first = await Promise.race([
    new Promise<string>((resolve) => lines.once('line', resolve)),
    delay(15_000).then(() => ''),
    new Promise<string>((resolve) => child.once('exit', () => resolve(''))),
  ]);
  lines.close();
  if (!first) throw new Error(`${name} did not start:\n${await tail(handle.logFile)}`);
  return { ...handle, url: (JSON.parse(first) as { url: string }).url };
}

/**
 * Features the benchmark can turn off to split csgw's cost (`--csgw-off cache,audit`); all on by default.
 * `cache-disk` keeps the memory cache and gives the disk a budget of 0, so no entry file is ever written.
 */
export type CsgwFeature = 'cache' | 'cache-disk' | 'audit';

/**
 * The config production would run, over the fake: fakeGatewayConfig's keys, model table, cache and audit, with the
 * AiGateway schema's defaults for the budgets and limits (cache 256 MiB memory / 1 GiB disk, audit 100 MiB x 10,
 * body 10 MiB, timeouts 5 s / 60 s / 600 s, 2 retries from 250 ms).
 */
export function benchGatewayConfig(
  dir: string,
  upstreamUrl: string,
  ports: { listen: number; admin: number },
  off: readonly CsgwFeature[] = [],
): AiGatewayConfig {
  const base = fakeGatewayConfig(
    dir,
    { openai: upstreamUrl, anthropic: upstreamUrl, bedrock: upstreamUrl },
    ports.listen,
  );
  return {
    ...base,
    admin: { host: '127.0.0.1', port: ports.admin },
    cache: {
      ...base.cache,
      enabled: !off.includes('cache'),
      memoryBytes: 256 << 20,
      diskBytes: off.includes('cache-disk') ? 0 : 1024 << 20,
    },
    audit: { ...base.audit, enabled: !off.includes('audit'), maxBytes: 100 << 20, maxFiles: 10 },
    limits: {
      maxBodyBytes: 10 << 20,
      connectTimeoutMs: 5000,
      firstTokenTimeoutMs: 60_000,
      totalTimeoutMs: 600_000,
      retries: 2,
      backoffMs: 250,
    },
  };
}

export interface Csgw extends Child {
  adminUrl: string;
}

/** `csgw ai-gateway --config <file>` over the fake upstream; ready when its admin /healthz answers 200. */
export async function startCsgw(
  cleanup: Cleanup,
  opts: SpawnOptions,
  upstreamUrl: string,
  off: readonly CsgwFeature[] = [],
): Promise<Csgw> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const configFile = join(opts.dir, 'ai-gateway.json');
  const config = benchGatewayConfig(opts.dir, upstreamUrl, { listen: port, admin: adminPort }, off);
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
  const env = cleanEnv(opts.dir, {
    CSGW_LOG_LEVEL: 'info',
    AWS_ACCESS_KEY_ID: FAKE_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: FAKE_AWS_CREDENTIALS.secretAccessKey,
    AWS_EC2_METADATA_DISABLED: 'true',
  });
  const child = spawnNode('csgw', [CLI, 'ai-gateway', '--config', configFile], opts, env);
  const handle = track(cleanup, 'csgw', child, `http://127.0.0.1:${port}/v1`, join(opts.dir, 'csgw.log'));
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitHttp(`${adminUrl}/healthz`, child, handle.logFile, (s) => s === 200);
  return { ...handle, adminUrl };
}

/**
 * Portkey's gateway (`@portkey-ai/gateway`, its package bin `build/start-server.js --port=N --headless`) as its
 * Node server runs it. It is pointed at the fake per request (`x-portkey-provider: openai`,
 * `x-portkey-custom-host`), which its default TRUSTED_CUSTOM_HOSTS allows for 127.0.0.1.
 */
export async function startPortkey(cleanup: Cleanup, opts: SpawnOptions): Promise<Child> {
  const port = await freePort();
  const require = createRequire(import.meta.url);
  const pkg = require.resolve('@portkey-ai/gateway/package.json');
  const bin = join(pkg, '..', 'build', 'start-server.js');
  const child = spawnNode('portkey', [bin, `--port=${port}`, '--headless'], opts, cleanEnv(opts.dir));
  const handle = track(cleanup, 'portkey', child, `http://127.0.0.1:${port}/v1`, join(opts.dir, 'portkey.log'));
  await waitHttp(`http://127.0.0.1:${port}/`, child, handle.logFile, (s) => s > 0);
  return handle;
}

async function waitHttp(url: string, child: ChildProcess, logFile: string, ok: (s: number) => boolean): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${url}: the process exited during start-up:\n${await tail(logFile)}`);
    const status = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status,
      () => 0,
    );
    if (ok(status)) return;
    await delay(100);
  }
  throw new Error(`${url} not ready after 30 s:\n${await tail(logFile)}`);
}

async function tail(file: string, lines = 20): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
