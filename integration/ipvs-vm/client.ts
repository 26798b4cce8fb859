import { waitFor } from '../../testing/wait.js';
import type { CommandRunner } from '../../runtime/ports.js';
import { background, CLIENT, inVm, SERVICE_PORT, TARGETS, VIRTUAL_IP, type TargetName } from './topology.js';

/** One short connection from the client namespace to the virtual service; the answer names the target. */
export async function connectOnce(runner: CommandRunner): Promise<TargetName> {
  const out = await inVm(runner, ['ip', 'netns', 'exec', CLIENT.name, 'nc', VIRTUAL_IP, String(SERVICE_PORT)]);
  const name = out.split('\n')[0]?.trim();
  const target = TARGETS.find((t) => t.name === name);
  if (!target) throw new Error(`the virtual service answered ${JSON.stringify(out)}, not a target's name`);
  return target.name;
}

/** Connections per target over `count` sequential connections. */
export async function tally(runner: CommandRunner, count: number): Promise<Record<TargetName, number>> {
  const counts: Record<TargetName, number> = { t1: 0, t2: 0, t3: 0 };
  for (let i = 0; i < count; i++) counts[await connectOnce(runner)] += 1;
  return counts;
}

const GO = '/run/long.go';
const OUT = '/run/long.out';

/** A long connection (long-client.sh) held open until finishLongConnection; resolves to the target holding it. */
export async function startLongConnection(runner: CommandRunner): Promise<TargetName> {
  await inVm(runner, ['rm', '-f', GO, OUT]);
  const script = ['/bin/sh', '/run/long-client.sh', VIRTUAL_IP, String(SERVICE_PORT), GO, OUT];
  await inVm(runner, background(CLIENT.name, 'long', script));
  const first = await waitFor(
    async () => /^(t\d) first$/m.exec(await inVm(runner, ['cat', OUT]).catch(() => ''))?.[1],
    { what: 'the long connection to be answered', timeoutMs: 20_000 },
  );
  const target = TARGETS.find((t) => t.name === first);
  if (!target) throw new Error(`the long connection was answered by ${first}`);
  return target.name;
}

/** Sends the long connection's second line and returns the name of the target that answered it. */
export async function finishLongConnection(runner: CommandRunner): Promise<string> {
  await inVm(runner, ['touch', GO]);
  return waitFor(async () => /^(t\d) second$/m.exec(await inVm(runner, ['cat', OUT]))?.[1], {
    what: 'the long connection to answer after the change',
    timeoutMs: 20_000,
  });
}
