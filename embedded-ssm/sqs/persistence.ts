// Queue definitions live in <dataDir>/queues.json, rewritten atomically on every create and delete. Messages are
// not persisted. defaultQueueHandled records that the default queue was created once, so deleting it sticks.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isErrno, writeFileAtomic } from '../fsutil.js';
import { isObject } from '../input.js';
import type { QueueDefinition } from './definition.js';
import { isQueueName, parseAttributes, renderSettable, validateTags, withDefaults } from './definition.js';

const FORMAT = 1;

export interface QueuesFile {
  defaultQueueHandled: boolean;
  queues: QueueDefinition[];
}

export function queuesPath(dataDir: string): string {
  return join(dataDir, 'queues.json');
}

export async function saveQueues(dataDir: string, file: QueuesFile): Promise<void> {
  const queues = file.queues.map((def) => ({ ...def, attributes: renderSettable(def.attributes) }));
  await writeFileAtomic(queuesPath(dataDir), JSON.stringify({ format: FORMAT, ...file, queues }));
}

function corrupt(why: string): Error {
  return new Error(`embedded SSM queues.json is corrupt: ${why}`);
}

function parseDefinition(raw: unknown): QueueDefinition {
  if (!isObject(raw)) throw corrupt('a queue is not an object');
  const { name, createdAt, attributes, tags } = raw;
  if (typeof name !== 'string' || !isQueueName(name)) throw corrupt('bad queue name');
  if (typeof createdAt !== 'number') throw corrupt(`queue ${name} has no creation time`);
  const stringMap = (v: unknown): v is Record<string, string> =>
    isObject(v) && Object.values(v).every((item) => typeof item === 'string');
  if (!stringMap(attributes) || !stringMap(tags)) throw corrupt(`queue ${name} has bad attributes or tags`);
  try {
    validateTags(tags);
    return { name, createdAt, attributes: withDefaults(parseAttributes(attributes)), tags };
  } catch (err) {
    throw corrupt(`queue ${name}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** The saved definitions; a missing file is a data dir that never had queues. */
export async function loadQueues(dataDir: string): Promise<QueuesFile> {
  let text: string;
  try {
    text = await readFile(queuesPath(dataDir), 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return { defaultQueueHandled: false, queues: [] };
    throw err;
  }
  const raw: unknown = JSON.parse(text);
  if (!isObject(raw) || raw['format'] !== FORMAT) throw corrupt('unknown format');
  const { defaultQueueHandled, queues } = raw;
  if (typeof defaultQueueHandled !== 'boolean' || !Array.isArray(queues)) throw corrupt('missing fields');
  return { defaultQueueHandled, queues: queues.map(parseDefinition) };
}
