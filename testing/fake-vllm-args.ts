import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
/** What `vllm serve` is given, as far as the fake vLLM uses it. */
export interface VllmArgs {
  /** The positional `serve <model>`: a local path or a hub id; `root` in /v1/models. */
  model: string;
  /** `--served-model-name` (one or more): what /v1/models lists and requests must name; by default the model. */
  servedModelNames: string[];
  host: string;
  port: number;
  /** Sequences generating at once; the rest wait in vLLM's own queue. */
  maxNumSeqs: number;
  maxModelLen: number;
  gpuMemoryUtilization: number;
  tensorParallelSize: number;
  dtype: string;
  /** `--api-key`: the /v1 routes then want `Authorization: Bearer <key>`. */
  apiKey?: string;
  /** `--task embed` (older vLLM), `--runner pooling` or `--convert embed`: only /v1/embeddings is served. */
  pooling: boolean;
  /** Flags the fake does not know, as given (vLLM has hundreds): noted on stderr, otherwise ignored. */
  ignored: string[];
}

/** A command line `vllm serve` would reject (argparse exits 2). */
export class VllmArgsError extends Error {}

export const DEFAULT_VLLM_ARGS: Omit<VllmArgs, 'model' | 'servedModelNames' | 'ignored'> = {
  host: '0.0.0.0',
  port: 8000,
  maxNumSeqs: 256,
  // A real server reads it from the model's config; the fake's model has this one.
  maxModelLen: 4096,
  gpuMemoryUtilization: 0.9,
  tensorParallelSize: 1,
  dtype: 'auto',
  pooling: false,
};

type Setter = (args: Partial<VllmArgs>, value: string, flag: string) => void;

const POOLING_TASKS = new Set(['embed', 'embedding', 'classify', 'score', 'reward']);

const SETTERS: Record<string, Setter> = {
  '--model': (a, v) => (a.model = v),
  '--host': (a, v) => (a.host = v),
  '--port': (a, v, f) => (a.port = integer(f, v)),
  '--max-num-seqs': (a, v, f) => (a.maxNumSeqs = integer(f, v, 1)),
  '--max-model-len': (a, v, f) => (a.maxModelLen = integer(f, v, 1)),
  '--gpu-memory-utilization': (a, v, f) => (a.gpuMemoryUtilization = fraction(f, v)),
  '--tensor-parallel-size': (a, v, f) => (a.tensorParallelSize = integer(f, v, 1)),
  '--dtype': (a, v) => (a.dtype = v),
  '--api-key': (a, v) => (a.apiKey = v),
  '--task': (a, v) => (a.pooling = POOLING_TASKS.has(v)),
  '--runner': (a, v) => (a.pooling = v === 'pooling'),
  '--convert': (a, v) => {
    if (v === 'embed') a.pooling = true;
  },
};

const ALIASES: Record<string, string> = { '-tp': '--tensor-parallel-size' };

/**
 * Parses `serve <model> [flags]` as `vllm serve` does: `--flag value` and `--flag=value`, `--served-model-name` with
 * one or more names, unknown flags kept aside (an unknown flag takes the next word as its value unless it is a flag,
 * so the model goes first, as `vllm serve` is usually written). Throws VllmArgsError for what argparse would reject.
 */
export function parseVllmArgs(argv: readonly string[], readConfig = readConfigFile): VllmArgs {
  const [command, ...words] = argv;
  if (command !== 'serve') throw new VllmArgsError(`expected the subcommand "serve", got ${command ?? 'nothing'}`);
  const { config, rest } = takeConfig(words);
  // vLLM's order of priority: the command line, then the --config file, then defaults.
  const fromFile: Partial<VllmArgs> & { ignored: string[] } = { ignored: [] };
  const fileWords = config === undefined ? [] : configWords(readConfig(config));
  for (let i = 0; i < fileWords.length; i++) i = parseOne(fileWords, i, fromFile);
  const parsed: Partial<VllmArgs> & { ignored: string[] } = { ignored: [] };
  for (let i = 0; i < rest.length; i++) i = parseOne(rest, i, parsed);
  const defined = Object.fromEntries(Object.entries(parsed).filter(([, v]) => v !== undefined)) as Partial<VllmArgs>;
  const model = parsed.model ?? fromFile.model;
  if (!model) throw new VllmArgsError('the following arguments are required: model_tag');
  return {
    ...DEFAULT_VLLM_ARGS,
    ...fromFile,
    ...defined,
    model,
    servedModelNames: parsed.servedModelNames ?? fromFile.servedModelNames ?? [model],
    ignored: [...fromFile.ignored, ...parsed.ignored],
  };
}

/** `--config <file>` (or `--config=<file>`) taken out of the words. */
function takeConfig(words: readonly string[]): { config?: string; rest: string[] } {
  const rest = [...words];
  const at = rest.findIndex((w) => w === '--config' || w.startsWith('--config='));
  if (at < 0) return { rest };
  const word = rest[at]!;
  const inline = word.startsWith('--config=') ? word.slice('--config='.length) : undefined;
  const config = inline ?? rest[at + 1];
  if (config === undefined) throw new VllmArgsError('argument --config: expected one argument');
  rest.splice(at, inline === undefined ? 2 : 1);
  return { config, rest };
}

function readConfigFile(path: string): unknown {
  return parseYaml(readFileSync(path, 'utf8'));
}

/** vLLM's --config YAML (long option names as keys) as the words of a command line: true is a bare flag. */
export function configWords(config: unknown): string[] {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw new VllmArgsError('--config: the file must hold a mapping of option names to values');
  return Object.entries(config as Record<string, unknown>).flatMap(([key, value]) => {
    if (value === false || value === null) return [];
    if (value === true) return [`--${key}`];
    const values: unknown[] = Array.isArray(value) ? value : [value];
    return [`--${key}`, ...values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))];
  });
}

/** Reads the word at `i` (and its values); returns the index of the last word it used. */
function parseOne(words: readonly string[], i: number, into: Partial<VllmArgs> & { ignored: string[] }): number {
  const word = words[i]!;
  if (!word.startsWith('-')) {
    if (into.model !== undefined) throw new VllmArgsError(`unrecognized arguments: ${word}`);
    into.model = word;
    return i;
  }
  const [given, inline] = splitFlag(word);
  const flag = ALIASES[given] ?? given;
  if (flag === '--served-model-name') return servedNames(words, i, inline, into);
  const setter = SETTERS[flag];
  const next = words[i + 1];
  if (!setter) {
    const takesNext = inline === undefined && next !== undefined && !next.startsWith('-');
    into.ignored.push(takesNext ? `${word} ${next}` : word);
    return takesNext ? i + 1 : i;
  }
  const value = inline ?? next;
  if (value === undefined) throw new VllmArgsError(`argument ${given}: expected one argument`);
  setter(into, value, given);
  return inline === undefined ? i + 1 : i;
}

/** `--flag=value` into the flag and its value; `--flag` alone has none. */
function splitFlag(word: string): [string, string | undefined] {
  const eq = word.indexOf('=');
  return eq < 0 ? [word, undefined] : [word.slice(0, eq), word.slice(eq + 1)];
}

function servedNames(words: readonly string[], i: number, inline: string | undefined, into: Partial<VllmArgs>): number {
  if (inline !== undefined) {
    into.servedModelNames = [inline];
    return i;
  }
  const names: string[] = [];
  let last = i;
  while (words[last + 1] !== undefined && !words[last + 1]!.startsWith('-')) names.push(words[++last]!);
  if (names.length === 0) throw new VllmArgsError('argument --served-model-name: expected at least one argument');
  into.servedModelNames = names;
  return last;
}

function integer(flag: string, value: string, min = 0): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min) throw new VllmArgsError(`argument ${flag}: invalid int value: '${value}'`);
  return n;
}

function fraction(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1))
    throw new VllmArgsError(`argument ${flag}: invalid float value: '${value}'`);
  return n;
}

/** The fake's own knobs, from the environment (the command line stays exactly what `vllm serve` gets). */
export interface FakeVllmEnv {
  /** FAKE_VLLM_LOAD_MS: time "loading weights" before the port opens (connections are refused meanwhile). */
  loadMs: number;
  /** FAKE_VLLM_FIRST_TOKEN_MS: from a request's start of generation to its first token (prefill). */
  firstTokenMs: number;
  /** FAKE_VLLM_TOKEN_MS: between streamed tokens. */
  tokenMs: number;
  /** FAKE_VLLM_CONTROL=1: the /fake/faults and /fake/stats control API. */
  control: boolean;
  /** FAKE_VLLM_DRAIN_MS: on SIGTERM, how long running and waiting requests may finish before the exit. */
  drainMs: number;
  /** FAKE_VLLM_REQUIRE_WEIGHTS=1: exit 1 at start unless the model path is a directory (the weights are on disk). */
  requireWeights: boolean;
}

export function readFakeVllmEnv(env: NodeJS.ProcessEnv): FakeVllmEnv {
  return {
    loadMs: millis(env, 'FAKE_VLLM_LOAD_MS', 0),
    firstTokenMs: millis(env, 'FAKE_VLLM_FIRST_TOKEN_MS', 0),
    tokenMs: millis(env, 'FAKE_VLLM_TOKEN_MS', 0),
    control: env.FAKE_VLLM_CONTROL === '1',
    drainMs: millis(env, 'FAKE_VLLM_DRAIN_MS', 1000),
    requireWeights: env.FAKE_VLLM_REQUIRE_WEIGHTS === '1',
  };
}

function millis(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new VllmArgsError(`${name} must be a whole number of milliseconds, got '${raw}'`);
  return Number(raw);
}
