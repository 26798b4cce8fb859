import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeListTable } from '../renderers/nft/decode.js';
import type { NftFamily, NftOp, ObservedTable } from '../renderers/nft/model.js';
import { renderTransaction } from '../renderers/nft/render.js';
import type { CommandRunner, NftPort } from '../runtime/ports.js';
import { ControllerError } from '../runtime/controller.js';
import type { NftMonitor } from './nft-monitor.js';

/**
 * The real NftPort: `nft -j list` for reads, one `nft -j -f <file>` per transaction. With a monitor, each commit's pid
 * is told to it (so its generation is not taken for tampering) and tables can be watched.
 */
export function createNftAdapter(runner: CommandRunner, nftBinary = 'nft', monitor?: NftMonitor): NftPort {
  async function runBatch(ops: readonly NftOp[], signal: AbortSignal, extraArgs: string[]): Promise<void> {
    // nft opens -f paths itself and cannot open /dev/stdin when it is a socket (as Node's pipes are): use a file.
    const dir = await mkdtemp(join(tmpdir(), 'csgw-nft-'));
    try {
      const file = join(dir, 'transaction.json');
      await writeFile(file, JSON.stringify(renderTransaction(ops)), { mode: 0o600 });
      const onPid = monitor && extraArgs.length === 0 ? { onPid: (pid: number) => monitor.ownCommit(pid) } : {};
      const result = await runner.run(nftBinary, [...extraArgs, '-j', '-f', file], { signal, ...onPid });
      if (result.exitCode !== 0)
        throw new ControllerError('ApplyFailed', `nft rejected the transaction: ${firstLines(result.stderr)}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  return {
    async listTable(family, name, signal, opts): Promise<ObservedTable | undefined> {
      const terse = opts?.elements === false ? ['-t'] : [];
      const result = await runner.run(nftBinary, ['-j', ...terse, 'list', 'table', family, name], { signal });
      if (result.exitCode !== 0) {
        if (/No such file or directory|does not exist/i.test(result.stderr)) return undefined;
        throw new ControllerError('ObserveFailed', `nft list table failed: ${firstLines(result.stderr)}`);
      }
      const decoded = decodeListTable(JSON.parse(result.stdout) as unknown);
      if (!decoded) return undefined;
      // Foreign objects become an impossible chain so that any desired table differs from what is there.
      if (decoded.foreign.length > 0)
        decoded.table.chains.push({ name: `foreign: ${decoded.foreign.join(', ')}`, rules: [] });
      return { table: decoded.table, counters: decoded.counters };
    },
    commit: (ops, signal) => runBatch(ops, signal, []),
    check: (ops, signal) => runBatch(ops, signal, ['--check']),
    ...(monitor ? { watch: (family: NftFamily, name: string) => monitor.watch(family, name) } : {}),
  };
}

function firstLines(text: string): string {
  return text.trim().split('\n').slice(0, 5).join(' | ');
}
