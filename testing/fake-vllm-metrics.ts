import type { VllmCtx } from './fake-vllm-engine.js';

/**
 * GET /metrics in Prometheus text, with vLLM's names and labels (the V1 engine's `engine` and `model_name`, the
 * first served name): the scheduler gauges, the KV cache use under both its names (`gpu_cache_usage_perc` until
 * vLLM 0.10, `kv_cache_usage_perc` after), and the token and success counters. Numbers are printed as Python's
 * prometheus_client prints them (`2.0`).
 */
export function metricsText(ctx: VllmCtx): string {
  const labels = { engine: '0', model_name: ctx.args.servedModelNames[0] ?? ctx.args.model };
  const { scheduler, counters } = ctx;
  const success = counters.success.size === 0 ? new Map([['stop', 0]]) : counters.success;
  return [
    ...family('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [
      [labels, scheduler.running],
    ]),
    ...family('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [
      [labels, scheduler.waiting],
    ]),
    ...family('vllm:gpu_cache_usage_perc', 'gauge', 'GPU KV-cache usage. 1 means 100 percent usage.', [
      [labels, scheduler.kvCacheUsage],
    ]),
    ...family('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [
      [labels, scheduler.kvCacheUsage],
    ]),
    ...family('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [
      [labels, counters.promptTokens],
    ]),
    ...family('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [
      [labels, counters.generationTokens],
    ]),
    ...family(
      'vllm:request_success_total',
      'counter',
      'Count of successfully processed requests.',
      [...success].map(([reason, n]) => [{ ...labels, finished_reason: reason }, n]),
    ),
    '',
  ].join('\n');
}

type Sample = [Record<string, string>, number];

function family(name: string, type: 'gauge' | 'counter', help: string, samples: Sample[]): string[] {
  return [
    `# HELP ${name} ${help}`,
    `# TYPE ${name} ${type}`,
    ...samples.map(([labels, value]) => `${name}{${labelText(labels)}} ${number(value)}`),
  ];
}

function labelText(labels: Record<string, string>): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}="${labels[k]!.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');
}

function number(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}
