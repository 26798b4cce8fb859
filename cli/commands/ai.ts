import type { Command } from 'commander';
import { CliError, errorMessage, type CliContext } from '../context.js';

const GATEWAY_HELP = `
The AI gateway's data plane, as the AiGateway controller runs it under the daemon kit: an OpenAI-compatible
server on the config's listen address, its /healthz, /metrics, /status and /usage on the loopback admin port.
SIGHUP re-reads the config (hitless: requests in flight finish on the old one), the audit log rotates itself,
SIGTERM drains requests in flight and stops. --check validates a config file and exits.`;

const USAGE_HELP = `
Tokens, money spent and money saved by the cache, from the AI gateway on this instance (its loopback admin port).

Examples:
  csgw ai usage                      # the last 24 hours, by model
  csgw ai usage --since 7d --by key`;

export function registerAi(program: Command, ctx: CliContext): void {
  program
    .command('ai-gateway')
    .description('run the AI gateway data plane (started by the AiGateway controller)')
    .requiredOption('--config <file>', 'the rendered config file')
    .option('--check', 'validate the config file and exit')
    .addHelpText('after', GATEWAY_HELP)
    .action(async (opts: { config: string; check?: boolean }) => {
      const { runAiGateway } = await import('../../ai-gateway/main.js');
      const code = await runAiGateway(opts.config, { check: !!opts.check, stdout: ctx.stdout, stderr: ctx.stderr });
      if (code !== 0) throw new CliError(opts.check ? 'the config is invalid' : 'the AI gateway failed');
    });
  program
    .command('ai')
    .description('the AI gateway on this instance')
    .command('usage')
    .description('tokens, $ spent and $ saved by the cache')
    .option('--since <duration>', 'how far back: 30m, 24h, 7d', '24h')
    .option('--by <what>', 'key, model or provider', 'model')
    .option('--admin <host:port>', 'the AI gateway admin address', '127.0.0.1:8091')
    .option('-o, --output <format>', 'table or json', 'table')
    .addHelpText('after', USAGE_HELP)
    .action(async (opts: UsageOptions) => usage(ctx, opts));
}

interface UsageOptions {
  since: string;
  by: string;
  admin: string;
  output: string;
}

interface UsageRow {
  name: string;
  requests: number;
  errors: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  costUsd: number;
  savedUsd: number;
}

async function usage(ctx: CliContext, opts: UsageOptions): Promise<void> {
  if (!['key', 'model', 'provider'].includes(opts.by)) throw new CliError('--by: key, model or provider');
  const url = `http://${opts.admin}/usage?since=${encodeURIComponent(opts.since)}&by=${opts.by}`;
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  } catch (err) {
    throw new CliError(
      `the AI gateway does not answer on ${opts.admin} (${errorMessage(err)}): is AiGateway enabled here?`,
    );
  }
  const body = (await res.json()) as { rows?: UsageRow[]; total?: Omit<UsageRow, 'name'>; error?: string };
  if (!res.ok) throw new CliError(body.error ?? `the AI gateway answered ${res.status}`);
  if (opts.output === 'json') return void ctx.stdout.write(`${JSON.stringify(body, null, 2)}\n`);
  ctx.stdout.write(usageTable(opts.by, body.rows ?? [], body.total));
}

/** The usage rows as an aligned table, the total last. */
export function usageTable(by: string, rows: readonly UsageRow[], total: Omit<UsageRow, 'name'> | undefined): string {
  const header = [by.toUpperCase(), 'REQUESTS', 'ERRORS', 'PROMPT', 'COMPLETION', 'CACHED', 'SPENT $', 'SAVED $'];
  const line = (r: UsageRow): string[] => [
    r.name,
    String(r.requests),
    String(r.errors),
    String(r.promptTokens),
    String(r.completionTokens),
    String(r.cachedTokens),
    r.costUsd.toFixed(6),
    r.savedUsd.toFixed(6),
  ];
  const table = [header, ...rows.map(line), ...(total ? [line({ ...total, name: 'TOTAL' })] : [])];
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  return (
    table
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i]!))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
