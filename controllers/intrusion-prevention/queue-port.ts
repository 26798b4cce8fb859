import type { ObservedTable } from '../../renderers/nft/model.js';
import { ControllerError } from '../../runtime/controller.js';
import type { CommandRunner, NftPort } from '../../runtime/ports.js';
import { COMMENT_PREFIX, NFT_TABLE, queueHash, renderNftQueue } from './queue-rules.js';
import { observedXtQueue, parseXtSave, renderXtInstall, renderXtRemove } from './xt-rules.js';
import type { ObservedQueue, QueueMechanism, QueueSpec } from './types.js';

/** The IPS's queue rules in the kernel, whichever mechanism this host has. */
export interface QueuePort {
  readonly mechanism: QueueMechanism;
  observe(desired: QueueSpec | undefined, signal: AbortSignal): Promise<ObservedQueue>;
  /** Replaces the rules whole, in one transaction. */
  install(queue: QueueSpec, signal: AbortSignal): Promise<void>;
  remove(signal: AbortSignal): Promise<void>;
}

const XT_SAVE = 'iptables-nft-save';
const XT_RESTORE = 'iptables-nft-restore';

/** iptables-nft: the xt NFQUEUE target, in a chain of the IPS's own, changed by one restore transaction each. */
export function xtQueuePort(runner: CommandRunner): QueuePort {
  const save = async (signal: AbortSignal): Promise<string> => {
    const result = await runner.run(XT_SAVE, ['-c'], { signal });
    if (result.exitCode !== 0) throw new ControllerError('QueueObserveFailed', `${XT_SAVE}: ${oneLine(result.stderr)}`);
    return result.stdout;
  };
  const restore = async (text: string, signal: AbortSignal): Promise<void> => {
    const result = await runner.run(XT_RESTORE, ['--noflush'], { input: text, signal });
    if (result.exitCode !== 0)
      throw new ControllerError('QueueApplyFailed', `${XT_RESTORE}: ${oneLine(result.stderr)}`);
  };
  return {
    mechanism: 'xt-nfqueue',
    observe: async (desired, signal) => observedXtQueue(parseXtSave(await save(signal)), desired),
    install: async (queue, signal) => restore(renderXtInstall(queue, parseXtSave(await save(signal))), signal),
    async remove(signal) {
      const text = renderXtRemove(parseXtSave(await save(signal)));
      if (text.trim()) await restore(text, signal);
    },
  };
}

/** nftables: a table of the IPS's own with nft's `queue` statement, replaced whole in one transaction. */
export function nftQueuePort(nft: NftPort): QueuePort {
  return {
    mechanism: 'nft-queue',
    async observe(desired, signal) {
      return observedNftQueue(await nft.listTable('inet', NFT_TABLE, signal), desired);
    },
    install: (queue, signal) => nft.commit([{ op: 'replaceTable', table: renderNftQueue(queue) }], signal),
    async remove(signal) {
      if (await nft.listTable('inet', NFT_TABLE, signal, { elements: false }))
        await nft.commit([{ op: 'deleteTable', family: 'inet', name: NFT_TABLE }], signal);
    },
  };
}

/** Intact when the forward chain holds exactly the desired number of rules, all of one hash. */
export function observedNftQueue(listed: ObservedTable | undefined, desired: QueueSpec | undefined): ObservedQueue {
  if (!listed) return { present: false, intact: false, packets: 0 };
  const hashes = new Set(
    listed.table.chains.flatMap((c) => c.rules.map((r) => r.comment?.replace(COMMENT_PREFIX, ''))),
  );
  const [hash] = hashes.size === 1 ? [...hashes] : [undefined];
  const shape = (chains: readonly { name: string; rules: unknown[] }[]): string =>
    chains
      .map((c) => `${c.name}:${c.rules.length}`)
      .sort()
      .join(',');
  // With flow bypass the forward chain's first rule counts the bypassed flows' packets, the others the queued ones.
  const skip = desired?.bypassMark ? 1 : 0;
  const forward = listed.counters.filter((c) => c.chain === 'forward');
  const packets = forward.filter((c) => c.index >= skip).reduce((n, c) => n + c.packets, 0);
  const bypassed = skip ? { bypassedPackets: forward.find((c) => c.index === 0)?.packets ?? 0 } : {};
  return {
    present: true,
    ...(hash ? { hash } : {}),
    intact:
      hash !== undefined &&
      (!desired ||
        (hash === queueHash(desired) && shape(listed.table.chains) === shape(renderNftQueue(desired).chains))),
    packets,
    ...bypassed,
  };
}

function oneLine(text: string): string {
  return text.trim().split('\n').slice(-2).join(' | ').slice(0, 300) || 'failed';
}
