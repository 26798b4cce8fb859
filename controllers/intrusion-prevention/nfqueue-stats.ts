/** The kernel's view of the NFQUEUE queues Suricata reads (/proc/net/netfilter/nfnetlink_queue). */

export const NFQUEUE_STATS_PATH = '/proc/net/netfilter/nfnetlink_queue';

/** One bound queue. */
export interface NfqueueStat {
  queue: number;
  /** Netlink port id of the process bound to the queue (Suricata's socket). */
  portId: number;
  /** Packets queued to userspace and waiting for a verdict (queue_total). */
  waiting: number;
  /** Packets the kernel dropped because the queue was full (queue_dropped, over queue-maxlen). */
  queueDropped: number;
  /** Packets the kernel failed to send to userspace, netlink socket buffer full (user_dropped). */
  userDropped: number;
  /** The id of the last packet queued (id_sequence). */
  idSequence: number;
}

/** Reads a file's text; undefined when the file does not exist. */
export type ReadOptionalFile = (path: string) => Promise<string | undefined>;

/**
 * Parses the proc file, one line per bound queue:
 * `queue_number peer_portid queue_total copy_mode copy_range queue_dropped user_dropped id_sequence 1`.
 * Lines that do not have these nine numeric fields are skipped.
 */
export function parseNfqueueStats(text: string): NfqueueStat[] {
  const stats: NfqueueStat[] = [];
  for (const line of text.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 9 || !fields.every((f) => /^-?\d+$/.test(f))) continue;
    const [queue, portId, waiting, , , queueDropped, userDropped, idSequence] = fields.map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    stats.push({ queue, portId, waiting, queueDropped, userDropped, idSequence });
  }
  return stats;
}

/** The stats of all bound queues; none when the file is missing (nfnetlink_queue not loaded: no queue bound). */
export async function readNfqueueStats(readFile: ReadOptionalFile, path = NFQUEUE_STATS_PATH): Promise<NfqueueStat[]> {
  const text = await readFile(path);
  return text === undefined ? [] : parseNfqueueStats(text);
}
