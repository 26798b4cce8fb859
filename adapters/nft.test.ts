import { describe, expect, it } from '@jest/globals';
import { readFileSync, statSync, existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { NftOp } from '../renderers/nft/model.js';
import { renderTransaction } from '../renderers/nft/render.js';
import { ControllerError } from '../runtime/controller.js';
import { contractTable } from '../testing/nft-port-contract.js';
import { FakeRunner, type RecordedCommand } from '../testing/fake-runner.js';
import { EMPTY } from 'rxjs';
import type { CommandRunner } from '../runtime/ports.js';
import { createNftAdapter } from './nft.js';

const signal = new AbortController().signal;
const ops: NftOp[] = [
  { op: 'replaceTable', table: contractTable() },
  { op: 'deleteTable', family: 'ip', name: 'old' },
];

// `nft -j list table inet csgw_contract` as nftables 1.0.6 prints it, plus a map the model does not know.
const listing = {
  nftables: [
    { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
    { table: { family: 'inet', name: 'csgw_contract', handle: 3 } },
    {
      set: {
        family: 'inet',
        name: 'sources',
        table: 'csgw_contract',
        type: 'ipv4_addr',
        handle: 1,
        flags: ['interval'],
        elem: [{ prefix: { addr: '10.0.0.0', len: 16 } }],
      },
    },
    {
      quota: { family: 'inet', name: 'q', table: 'csgw_contract', handle: 2, bytes: 1000, used: 0, inv: false },
    },
    {
      chain: {
        family: 'inet',
        table: 'csgw_contract',
        name: 'forward',
        handle: 4,
        type: 'filter',
        hook: 'forward',
        prio: 0,
        policy: 'accept',
      },
    },
    {
      rule: {
        family: 'inet',
        table: 'csgw_contract',
        chain: 'forward',
        handle: 5,
        expr: [{ counter: { packets: 3, bytes: 180 } }, { accept: null }],
      },
    },
  ],
};

/** Runs one commit/check and captures the batch file while it exists. */
async function captureBatch(
  run: (port: ReturnType<typeof createNftAdapter>) => Promise<void>,
  exit = { exitCode: 0, stderr: '' },
): Promise<{
  cmd?: RecordedCommand;
  file?: string;
  content?: unknown;
  mode?: number;
  error?: unknown;
}> {
  const seen: { cmd?: RecordedCommand; file?: string; content?: unknown; mode?: number } = {};
  const runner = new FakeRunner((cmd) => {
    const file = cmd.args.at(-1) ?? '';
    Object.assign(seen, {
      cmd,
      file,
      content: JSON.parse(readFileSync(file, 'utf8')) as unknown,
      mode: statSync(file).mode & 0o777,
    });
    return exit;
  });
  const error = await run(createNftAdapter(runner, '/usr/sbin/nft')).then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ...seen, error };
}

describe('nft adapter: listTable', () => {
  it('runs `nft -j list table <family> <name>` and decodes the listing', async () => {
    const runner = new FakeRunner(() => ({ stdout: JSON.stringify(listing) }));
    const observed = await createNftAdapter(runner).listTable('inet', 'csgw_contract', signal);
    expect(runner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['nft', '-j', 'list', 'table', 'inet', 'csgw_contract'],
    ]);
    expect(runner.calls[0]?.signal).toBe(signal);
    expect(observed?.table.sets).toEqual([
      { name: 'sources', type: 'ipv4_addr', flags: ['interval'], elements: ['10.0.0.0/16'] },
    ]);
    expect(observed?.counters).toEqual([{ chain: 'forward', index: 0, packets: 3, bytes: 180 }]);
  });

  it('turns foreign objects into a chain no desired table has, so planners see drift', async () => {
    const runner = new FakeRunner(() => ({ stdout: JSON.stringify(listing) }));
    const observed = await createNftAdapter(runner).listTable('inet', 'csgw_contract', signal);
    expect(observed?.table.chains.map((c) => c.name)).toEqual(['forward', 'foreign: quota q']);
  });

  it('lists without elements (`nft -j -t`) when asked', async () => {
    const runner = new FakeRunner(() => ({ stdout: JSON.stringify(listing) }));
    await createNftAdapter(runner).listTable('inet', 'csgw_contract', signal, { elements: false });
    expect(runner.calls.map((c) => [c.file, ...c.args])).toEqual([
      ['nft', '-j', '-t', 'list', 'table', 'inet', 'csgw_contract'],
    ]);
  });

  it('returns undefined when the table does not exist', async () => {
    const runner = new FakeRunner(() => ({
      exitCode: 1,
      stderr: 'Error: No such file or directory\nlist table inet csgw_nat\n                ^^^^^^^^\n',
    }));
    await expect(createNftAdapter(runner).listTable('inet', 'csgw_nat', signal)).resolves.toBeUndefined();
  });

  it('throws ObserveFailed for any other failure', async () => {
    const runner = new FakeRunner(() => ({
      exitCode: 1,
      stderr: 'netlink: Error: cache initialization failed: Operation not permitted\n',
    }));
    const err = await createNftAdapter(runner)
      .listTable('inet', 'csgw_nat', signal)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ControllerError);
    expect(err).toMatchObject({
      reason: 'ObserveFailed',
      message: expect.stringContaining('Operation not permitted') as unknown,
    });
  });
});

describe('nft adapter: commit and check', () => {
  it('commit writes the rendered transaction to a private file and runs `nft -j -f <file>`, then removes it', async () => {
    const seen = await captureBatch((port) => port.commit(ops, signal));
    expect(seen.error).toBeUndefined();
    expect(seen.cmd?.file).toBe('/usr/sbin/nft');
    expect(seen.cmd?.args).toEqual(['-j', '-f', seen.file]);
    expect(seen.content).toEqual(renderTransaction(ops));
    expect(seen.mode).toBe(0o600);
    expect(existsSync(dirname(seen.file ?? '/nonexistent/x'))).toBe(false);
  });

  it('check runs the same batch with --check', async () => {
    const seen = await captureBatch((port) => port.check(ops, signal));
    expect(seen.cmd?.args).toEqual(['--check', '-j', '-f', seen.file]);
    expect(seen.content).toEqual(renderTransaction(ops));
  });

  it('a rejected batch throws ApplyFailed with the first lines of stderr, and still removes the file', async () => {
    const stderr = ['Error: conflicting intervals specified', 'line 2', 'line 3', 'line 4', 'line 5', 'line 6'].join(
      '\n',
    );
    const seen = await captureBatch((port) => port.commit(ops, signal), { exitCode: 1, stderr });
    expect(seen.error).toBeInstanceOf(ControllerError);
    expect(seen.error).toMatchObject({
      reason: 'ApplyFailed',
      message:
        'nft rejected the transaction: Error: conflicting intervals specified | line 2 | line 3 | line 4 | line 5',
    });
    expect(existsSync(dirname(seen.file ?? '/nonexistent/x'))).toBe(false);
  });
});

describe('nft adapter: with a monitor', () => {
  it("tells the monitor each commit's pid (not a check's), and watches through it", async () => {
    const owned: number[] = [];
    const watched: string[] = [];
    const monitor = {
      ownCommit: (pid: number): void => void owned.push(pid),
      watch: (family: string, name: string) => {
        watched.push(`${family} ${name}`);
        return { live: () => true, epoch: () => 0, changes$: EMPTY, close: () => undefined };
      },
    };
    let pid = 41;
    const runner: CommandRunner = {
      run: (_file, _args, opts) => {
        pid += 1;
        opts.onPid?.(pid);
        return Promise.resolve({ exitCode: 0, stdout: '', stderr: '' });
      },
    };
    const nft = createNftAdapter(runner, 'nft', monitor);
    await nft.commit(ops, signal);
    await nft.check(ops, signal);
    await nft.commit(ops, signal);
    expect(owned).toEqual([42, 44]);
    nft.watch?.('inet', 'csgw_filter');
    expect(watched).toEqual(['inet csgw_filter']);
    expect(createNftAdapter(runner).watch).toBeUndefined();
  });
});
