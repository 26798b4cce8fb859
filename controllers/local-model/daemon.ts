import { stringify } from 'yaml';
import { defineDaemon, type DaemonDefinition } from '../../runtime/daemon/definition.js';
import { revisionHash } from '../../runtime/daemon/revisions.js';
import type { DaemonRevision } from '../../runtime/daemon/types.js';
import type { LocalModelSpec } from '../local-model-common/spec.js';

export const VLLM = 'vllm';
export const VLLM_CONFIG = 'vllm.yaml';
/** vLLM's own account, when the host has it; else it runs as the operator's. */
export const VLLM_USER = 'csgw-vllm';
/** vLLM only listens on loopback: the gateway, in the same namespace, is its only client. */
export const VLLM_HOST = '127.0.0.1';
/** Loading weights onto GPUs takes minutes for large models; a revision not serving by then counts as failed. */
export const VLLM_READINESS_MS = 30 * 60_000;

/**
 * vLLM as the daemon kit runs it: `<vllm> serve --config <file>` in the foreground (a YAML file of its long options,
 * vLLM's own format). It has no config check and takes no reload: a new revision restarts it. Ready once /health
 * answers and the model shows in /v1/models. Its identity is pid, start time and command line (it runs as python).
 */
export function vllmDaemon(
  command: readonly string[],
  user: string | undefined,
  onShutdown: 'stop' | 'keep',
): DaemonDefinition {
  return defineDaemon({
    name: VLLM,
    configFile: VLLM_CONFIG,
    start: [...command, 'serve', '--config', '{config}'],
    reload: 'restart',
    readiness: { initialDelayMs: 500, periodMs: 1000, timeoutMs: VLLM_READINESS_MS },
    writableDirs: [],
    ...(user ? { user: { name: user, switchesItself: false } } : {}),
    onShutdown,
    // vLLM's usage statistics go to its authors unless switched off, and a model hub is never to be asked.
    environment: { VLLM_NO_USAGE_STATS: '1', DO_NOT_TRACK: '1', HF_HUB_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1' },
    problems: vllmProblems,
  });
}

/** Text after these words may quote a request (older vLLM logs every prompt at INFO): never copied into status. */
const QUOTES_REQUEST = /\b(prompt|messages?|request)\b/i;

/**
 * The lines of vLLM's output worth showing in status: its own ERROR / CRITICAL lines and Python's exception lines,
 * cut to 200 characters, none that may quote a request. Never empty, so the kit never falls back to the raw tail
 * (which may hold prompts): the output file on the instance has the rest.
 */
export function vllmProblems(output: string): string[] {
  const lines = output
    .split('\n')
    .filter((l) => /^(ERROR|CRITICAL)\b|^\w*(Error|Exception):|CUDA out of memory/.test(l.trim()))
    .filter((l) => !QUOTES_REQUEST.test(l))
    .map((l) => l.trim().slice(0, 200))
    .slice(-3);
  return lines.length > 0 ? lines : ['no error line vLLM printed is safe to show: see its output file on the instance'];
}

/** The YAML vLLM reads: only validated values (schema patterns, enums, an allow-list of extra options). Pure. */
export function renderVllmConfig(spec: LocalModelSpec, servedName: string, weightsDir: string): string {
  const options: Record<string, string | number | boolean> = {
    model: weightsDir,
    'served-model-name': servedName,
    host: VLLM_HOST,
    port: spec.port,
    'tensor-parallel-size': spec.tensorParallelSize,
    'gpu-memory-utilization': spec.gpuMemoryUtilization,
    dtype: spec.dtype,
    'max-num-seqs': spec.maxNumSeqs,
    ...(spec.maxModelLen !== undefined ? { 'max-model-len': spec.maxModelLen } : {}),
    ...(spec.task === 'embed' ? { task: 'embed' } : {}),
  };
  for (const [flag, value] of Object.entries(spec.extraArgs).sort(([a], [b]) => (a < b ? -1 : 1)))
    options[flag] = value;
  return `# Rendered by csgw from LocalModel; vllm serve --config reads it.\n${stringify(options)}`;
}

export function vllmRevision(yaml: string, port: number, servedName: string): DaemonRevision {
  const files = [{ name: VLLM_CONFIG, content: yaml, mode: 0o644 }];
  const baseUrl = `http://${VLLM_HOST}:${port}`;
  return {
    hash: revisionHash(files),
    files,
    // Any change is a restart (vLLM takes no reload): the restart key is the revision itself.
    restartKey: revisionHash(files),
    ready: { openaiModel: { baseUrl, model: servedName } },
    listens: [{ host: VLLM_HOST, port }],
    preflight: [{ portAvailable: { host: VLLM_HOST, port } }],
  };
}
