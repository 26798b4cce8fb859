import { parseArgs } from 'node:util';
import { runAiGateway } from './main.js';

const USAGE = `Usage: csgw ai-gateway --config <file> [--check]

The AI gateway's data plane, as the AiGateway controller runs it: an OpenAI-compatible server on the config's
listen address, /healthz, /metrics, /status and /usage on its loopback admin port. SIGHUP re-reads the config
(requests in flight finish on the old one); SIGTERM drains and stops. --check validates the file and exits.
`;

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * `csgw ai-gateway --config <file> [--check]`, started straight from cli/main.ts: the data plane loads only its own
 * code, not the operator's commands and SDKs (`csgw --help` still lists it through commander).
 */
export async function runAiGatewayCommand(argv: string[], io: Io): Promise<number> {
  let values: { config?: string; check?: boolean; help?: boolean };
  try {
    const options = {
      config: { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    } as const;
    ({ values } = parseArgs({ args: argv, options }));
  } catch (err) {
    io.stderr.write(`csgw ai-gateway: ${(err as Error).message}\n`);
    return 2;
  }
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (!values.config) {
    io.stderr.write('csgw ai-gateway: --config <file> is required\n');
    return 2;
  }
  return runAiGateway(values.config, { check: values.check === true, ...io });
}
