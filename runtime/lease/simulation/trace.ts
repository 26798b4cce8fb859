import type { LeaseCommand, LeaseInput } from '../core.js';
import type { LeaseObservation, LeaseRecord } from '../record.js';
import type { SimEvent } from './types.js';

type Entry = { t: number; text: () => string };

/** The last events of a run, formatted only when a failure needs them (formatting every event would be slow). */
export class Trace {
  private readonly entries: (Entry | undefined)[];
  private next = 0;

  constructor(private readonly size: number) {
    this.entries = new Array<Entry | undefined>(size);
  }

  push(t: number, text: () => string): void {
    this.entries[this.next % this.size] = { t, text };
    this.next += 1;
  }

  format(): string {
    const lines: string[] = [];
    for (let i = Math.max(0, this.next - this.size); i < this.next; i += 1) {
      const e = this.entries[i % this.size]!;
      lines.push(`  t=${e.t.toFixed(3)} ${e.text()}`);
    }
    return lines.join('\n');
  }
}

function describeRecord(r: LeaseRecord | undefined): string {
  if (!r) return 'foreign';
  return `${r.released ? 'release' : r.holder} e${r.epoch} b${r.basedOn} ${r.writeId}`;
}

function describeObservation(o: LeaseObservation): string {
  return `v${o.version}${o.record ? ` (${describeRecord(o.record)})` : ''}`;
}

export function describeInput(input: LeaseInput): string {
  switch (input.type) {
    case 'readDone':
      return `readDone#${input.id} ${describeObservation(input.observation)}`;
    case 'writeDone':
      return `writeDone#${input.id} v${input.version}`;
    case 'failed':
      return `failed#${input.id} ${input.error}${input.maybeApplied ? ' maybeApplied' : ''}`;
    default:
      return input.type;
  }
}

export function describeCommand(c: LeaseCommand, toReal: (local: number) => number): string {
  switch (c.type) {
    case 'read':
      return `read#${c.id}`;
    case 'write':
      return `write#${c.id} ${describeRecord(c.record)}`;
    case 'wakeAt':
      return `wakeAt t=${toReal(c.at).toFixed(3)}`;
    case 'elected':
      return `ELECTED e${c.token.epoch} v${c.token.version}`;
    case 'lost':
      return `LOST ${c.reason}`;
    case 'renewFailed':
      return `renewFailed ${c.message}`;
    case 'stopped':
      return 'stopped';
  }
}

export function describeEvent(e: SimEvent): string {
  switch (e.kind) {
    case 'request':
      return `ssm <- node-${e.node}#${e.incarnation} ${e.record ? `put#${e.id} ${describeRecord(e.record)}` : `get#${e.id}`}`;
    case 'fault':
    case 'quiet':
      return e.kind;
    case 'boot':
    case 'resume':
      return `${e.kind} node-${e.node}`;
    default:
      return `node-${e.node}#${e.incarnation} ${e.kind}`;
  }
}
