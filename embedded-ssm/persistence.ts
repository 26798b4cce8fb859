// On-disk layout: <dataDir>/parameters/<sha256(name)>.json holds one parameter with all its
// versions, so a put rewrites one small file. Everything is loaded into memory at start.
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, removeFile, writeFileAtomic } from './fsutil.js';
import { isObject } from './input.js';
import type { ParameterRecord, VersionRecord } from './types.js';

const FORMAT = 1;

export function parametersDir(dataDir: string): string {
  return join(dataDir, 'parameters');
}

function fileFor(dir: string, name: string): string {
  return join(dir, `${createHash('sha256').update(name, 'utf8').digest('hex')}.json`);
}

export async function saveRecord(dir: string, record: ParameterRecord): Promise<void> {
  await writeFileAtomic(fileFor(dir, record.name), JSON.stringify({ format: FORMAT, ...record }));
}

export async function deleteRecords(dir: string, names: string[]): Promise<void> {
  for (const name of names) await removeFile(fileFor(dir, name));
  await fsyncDir(dir);
}

/** Loads every parameter file; leftovers of interrupted writes are removed. */
export async function loadAll(dir: string): Promise<Map<string, ParameterRecord>> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const records = new Map<string, ParameterRecord>();
  for (const entry of await readdir(dir)) {
    if (entry.includes('.tmp-')) {
      await removeFile(join(dir, entry));
      continue;
    }
    if (!entry.endsWith('.json')) continue;
    const record = parseRecord(JSON.parse(await readFile(join(dir, entry), 'utf8')), entry);
    if (fileFor(dir, record.name) !== join(dir, entry)) throw corrupt(entry, 'name does not match file name');
    records.set(record.name, record);
  }
  return records;
}

function corrupt(file: string, why: string): Error {
  return new Error(`embedded SSM data file ${file} is corrupt: ${why}`);
}

function parseRecord(raw: unknown, file: string): ParameterRecord {
  if (!isObject(raw) || raw['format'] !== FORMAT) throw corrupt(file, 'unknown format');
  const { name, versions, tags } = raw;
  if (typeof name !== 'string' || !Array.isArray(versions) || versions.length === 0) {
    throw corrupt(file, 'missing name or versions');
  }
  if (tags !== undefined && !(isObject(tags) && Object.values(tags).every((v) => typeof v === 'string')))
    throw corrupt(file, 'bad tags');
  return {
    name,
    versions: versions.map((v) => parseVersion(v, file)),
    ...(tags !== undefined ? { tags: tags as Record<string, string> } : {}),
  };
}

const REQUIRED: Record<string, 'string' | 'number'> = {
  version: 'number',
  type: 'string',
  value: 'string',
  tier: 'string',
  dataType: 'string',
  modifiedAt: 'number',
  modifiedBy: 'string',
};
const OPTIONAL = ['keyId', 'description', 'allowedPattern'];

function parseVersion(raw: unknown, file: string): VersionRecord {
  if (!isObject(raw)) throw corrupt(file, 'version is not an object');
  for (const [field, kind] of Object.entries(REQUIRED)) {
    if (typeof raw[field] !== kind) throw corrupt(file, `version field ${field} is not a ${kind}`);
  }
  for (const field of OPTIONAL) {
    if (raw[field] !== undefined && typeof raw[field] !== 'string') throw corrupt(file, `${field} is not a string`);
  }
  const labels = raw['labels'];
  if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) throw corrupt(file, 'bad labels');
  // Shape checked field by field above.
  return raw as unknown as VersionRecord;
}
