// Placeholder so the CLI compiles; the lead owns this file and will replace it.
import type { Command } from 'commander';
import { CliError, type CliContext } from '../context.js';

export function registerDiff(program: Command, _ctx: CliContext): void {
  program
    .command('diff')
    .description('(not implemented yet)')
    .action(() => {
      throw new CliError('csgw diff is not implemented yet');
    });
}
