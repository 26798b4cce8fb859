import { describe, expect, it } from '@jest/globals';
import type { LeaseCommand, LeaseInput } from '../core.js';
import type { LeaseRecord } from '../record.js';
import { DEFAULT_LEASE_TIMING } from '../timing.js';
import { SimNode, type NodeWorld } from './node.js';
import type { NodeEvent, SimCore, SimEvent } from './types.js';

/** A core that answers each input with the next scripted commands, and remembers what it was given. */
class ScriptedCore implements SimCore {
  readonly inputs: { input: LeaseInput; now: number }[] = [];

  constructor(private readonly script: LeaseCommand[][]) {}

  handle(input: LeaseInput, now: number): LeaseCommand[] {
    this.inputs.push({ input, now });
    return this.script.shift() ?? [];
  }

  isLeader(): boolean {
    return false;
  }

  token(): undefined {
    return undefined;
  }
}

class RecordingWorld implements NodeWorld {
  readonly scheduled: { at: number; event: SimEvent }[] = [];
  readonly sent: { id: number; record?: LeaseRecord; t: number }[] = [];
  readonly exits: number[] = [];

  schedule(at: number, event: SimEvent): void {
    this.scheduled.push({ at, event });
  }

  send(_node: SimNode, id: number, record: LeaseRecord | undefined, t: number): void {
    this.sent.push({ id, ...(record ? { record } : {}), t });
  }

  observe(): void {}

  exited(_node: SimNode, t: number): void {
    this.exits.push(t);
  }

  /** The last scheduled event of a kind, as a node event. */
  last(kind: NodeEvent['kind']): { at: number; event: NodeEvent } {
    const found = this.scheduled.filter((s) => s.event.kind === kind).pop();
    if (!found) throw new Error(`nothing of kind ${kind} scheduled`);
    return found as { at: number; event: NodeEvent };
  }
}

const record = { holder: 'node-0', epoch: 1, basedOn: 0 } as LeaseRecord;
const write = (id: number): LeaseCommand => ({ type: 'write', id, record, timeoutMs: 1000 });
const read = (id: number): LeaseCommand => ({ type: 'read', id, timeoutMs: 1000 });

/** A node at rate 2 (local = 100 + 2 × (t - 0) after boot at t = 0) running the given script. */
function setup(script: LeaseCommand[][]): { node: SimNode; core: ScriptedCore; world: RecordingWorld } {
  const core = new ScriptedCore(script);
  const world = new RecordingWorld();
  const timing = DEFAULT_LEASE_TIMING;
  const node = new SimNode({ index: 0, rate: 2, timing, coreFactory: () => core, wallClock: () => '' }, world);
  node.boot(0, 100);
  return { node, core, world };
}

describe('SimNode (the driver)', () => {
  it('feeds a timer at boot and gives up on a write at its timeout on the local clock, maybe applied', () => {
    const { node, core, world } = setup([[write(1)], []]);
    expect(core.inputs[0]).toEqual({ input: { type: 'timer' }, now: 100 });
    expect(world.sent).toEqual([{ id: 1, record, t: 0 }]);
    const timeout = world.last('timeout');
    expect(timeout.at).toBeCloseTo(500, 9); // 1000 local ms at rate 2
    node.deliver(timeout.event, timeout.at);
    expect(core.inputs[1]!.input).toEqual({ type: 'failed', id: 1, error: 'timeout', maybeApplied: true });
    expect(node.awaits(1, 1)).toBe(false);
    node.deliver(
      { kind: 'response', node: 0, incarnation: 1, id: 1, input: { type: 'writeDone', id: 1, version: 1 } },
      600,
    );
    expect(core.inputs).toHaveLength(2); // the late answer is dropped, as the elector drops it
  });

  it('reports a timed-out read as failed and delivers an answer in time as it is', () => {
    const { node, core, world } = setup([[read(1)], [read(2)], []]);
    node.deliver(world.last('timeout').event, 500);
    expect(core.inputs[1]!.input).toMatchObject({ type: 'failed', id: 1 });
    const answer: LeaseInput = { type: 'readDone', id: 2, observation: { version: 3 } };
    node.deliver({ kind: 'response', node: 0, incarnation: 1, id: 2, input: answer }, 510);
    expect(core.inputs[2]).toEqual({ input: answer, now: 100 + 2 * 510 });
  });

  it('honours only the latest wake-up', () => {
    const { node, core, world } = setup([
      [
        { type: 'wakeAt', at: 300 },
        { type: 'wakeAt', at: 500 },
      ],
      [],
    ]);
    const [first, second] = world.scheduled.filter((s) => s.event.kind === 'wake') as {
      at: number;
      event: NodeEvent;
    }[];
    expect([first!.at, second!.at]).toEqual([100, 200]);
    node.deliver(first!.event, first!.at);
    expect(core.inputs).toHaveLength(1);
    node.deliver(second!.event, second!.at);
    expect(core.inputs[1]).toEqual({ input: { type: 'timer' }, now: 500 });
  });

  it('queues everything while paused and runs it on resume, at the resume time', () => {
    const { node, core, world } = setup([[read(1)], []]);
    node.pause();
    const answer: LeaseInput = { type: 'readDone', id: 1, observation: { version: 0 } };
    node.deliver({ kind: 'response', node: 0, incarnation: 1, id: 1, input: answer }, 100);
    node.deliver(world.last('timeout').event, 500);
    expect(core.inputs).toHaveLength(1);
    node.resume(900);
    expect(core.inputs[1]).toEqual({ input: answer, now: 1900 });
    expect(core.inputs).toHaveLength(2); // the timeout found nothing outstanding
  });

  it('drops what was meant for an earlier incarnation', () => {
    const { node, core, world } = setup([[read(1)], [read(1)], []]);
    const stale = world.last('timeout').event;
    node.crash();
    expect(node.up).toBe(false);
    node.boot(1000, 50);
    expect(node.incarnation).toBe(2);
    node.deliver(stale, 1001);
    expect(core.inputs.map((i) => i.input.type)).toEqual(['timer', 'timer']);
    node.deliver(world.last('timeout').event, 2000);
    expect(core.inputs.map((i) => i.input.type)).toEqual(['timer', 'timer', 'failed']);
  });

  it('refuses a second request while one is in flight: the core promises one at a time', () => {
    expect(() => setup([[read(1), write(2)]])).toThrow('node-0 sent request 2 while another is in flight');
  });

  it('exits once the release completes, or at the bound', () => {
    const { node, world } = setup([[], [{ type: 'stopped' }]]);
    node.release(10);
    expect(world.exits).toEqual([10]);
    expect(node.up).toBe(false);
    const bounded = setup([[], []]);
    bounded.node.release(10);
    const bound = bounded.world.last('exit');
    expect(bound.at).toBeCloseTo(10 + (2 * DEFAULT_LEASE_TIMING.retryPeriodMs) / 2, 9);
    bounded.node.deliver(bound.event, bound.at);
    expect(bounded.world.exits).toEqual([bound.at]);
  });
});
