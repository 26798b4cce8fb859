import { parseArgs } from 'node:util';
import { runAiGateway } from './main.js';

interface Io {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * `csgw ai-gateway --config <file> [--check]`, started straight from cli/main.ts: the data plane loads only its own
 * code, not the operator's commands and SDKs (`csgw --help` still lists it through commander).
 */
export async function runAiGatewayCommand(argv: string[], io: Io): Promise<number> {
  let values: { config?: string; check?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { config: { type: 'string' }, check: { type: 'boolean' } } }));
  } catch (err) {
    io.stderr.write(`csgw ai-gateway: ${(err as Error).message}\n`);
    return 2;
  }
  if (!values.config) {
    io.stderr.write('csgw ai-gateway: --config <file> is required\n');
    return 2;
  }
  return runAiGateway(values.config, { check: values.check === true, ...io });
}
