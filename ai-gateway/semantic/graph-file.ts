import { createHash } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import type { WarnLog } from '../cache/disk.js';
import { HnswGraph } from './hnsw.js';
import type { VectorIndex } from './vector-index.js';

/**
 * A partition's HNSW graph saved at shutdown, so a restart loads it instead of rebuilding it (≈ 2 ms of the event
 * loop per vector, minutes at 100k). Two files per partition, both 0600:
 *
 *   graph-<partition>.usearch  usearch's own format (Index.save)
 *   graph-<partition>.ids      magic "CSGWGRF\0" | format u32 | dimensions u32 | count u32 | 4 zero |
 *                              SHA-256 of the .usearch file | count × id f64 | crc u32 of all before
 *
 * The .usearch file reaches usearch's loader only when its SHA-256 is the one the .ids file names, so a file cut
 * short or damaged is rebuilt, never parsed by native code. A loaded graph is only a way to find candidates: the
 * caller scores them against its own vectors, so even a stale graph can cost a hit, never serve a wrong one.
 */
const MAGIC = Buffer.from('CSGWGRF\0', 'latin1');
const FORMAT = 1;
const FIXED_BYTES = 56;
const PREFIX = 'graph-';
const CHUNK_BYTES = 1 << 20;

/** Saves every graph of `index` and removes the saved graphs of partitions that have none now. */
export function saveGraphs(dir: string, index: VectorIndex, log: WarnLog): void {
  const kept = new Set<string>();
  for (const { partition, graph, ids } of index.graphs()) {
    try {
      saveGraph(dir, partition, index.dimensions, ids, (path) => graph.save(path));
      kept.add(partition);
    } catch (error) {
      log.warn({ partition, error }, 'semantic cache graph not saved: it will be rebuilt');
    }
  }
  removeGraphs(dir, kept);
}

/**
 * Puts the saved graphs of `index`'s large partitions in place of the ones being built; returns the largest id they
 * hold (no new entry may take an id a saved graph still knows).
 */
export function loadGraphs(dir: string, index: VectorIndex, log: WarnLog): number {
  let largest = 0;
  for (const { partition } of index.graphs()) {
    const saved = savedGraph(dir, partition, index.dimensions);
    if (!saved) continue;
    try {
      index.adoptGraph(partition, HnswGraph.load(index.dimensions, saved.path), saved.ids);
      for (const id of saved.ids) largest = Math.max(largest, id);
    } catch (error) {
      log.warn({ partition, error }, 'semantic cache graph not loaded: rebuilding it');
    }
  }
  return largest;
}

interface SavedGraph {
  /** The graph file, checked: ready for Index.load. */
  path: string;
  /** The ids of the vectors in it. */
  ids: number[];
}

function graphPaths(dir: string, partition: string): { graph: string; ids: string } {
  return { graph: join(dir, `${PREFIX}${partition}.usearch`), ids: join(dir, `${PREFIX}${partition}.ids`) };
}

/** Writes `partition`'s graph (by `save(path)`) and its ids, each to a temporary name renamed into place. */
function saveGraph(
  dir: string,
  partition: string,
  dimensions: number,
  ids: readonly number[],
  save: (path: string) => void,
): void {
  const paths = graphPaths(dir, partition);
  const temp = { graph: `${paths.graph}.tmp-${process.pid}`, ids: `${paths.ids}.tmp-${process.pid}` };
  try {
    save(temp.graph);
    chmodSync(temp.graph, 0o600);
    const bytes = Buffer.alloc(FIXED_BYTES + 8 * ids.length + 4);
    MAGIC.copy(bytes, 0);
    bytes.writeUInt32LE(FORMAT, 8);
    bytes.writeUInt32LE(dimensions, 12);
    bytes.writeUInt32LE(ids.length, 16);
    fileDigest(temp.graph).copy(bytes, 24);
    ids.forEach((id, i) => bytes.writeDoubleLE(id, FIXED_BYTES + 8 * i));
    bytes.writeUInt32LE(crc32(bytes.subarray(0, bytes.length - 4)), bytes.length - 4);
    writeFileSync(temp.ids, bytes, { mode: 0o600 });
    renameSync(temp.graph, paths.graph);
    renameSync(temp.ids, paths.ids);
  } finally {
    rmSync(temp.graph, { force: true });
    rmSync(temp.ids, { force: true });
  }
}

/** `partition`'s saved graph when both files are there, whole and of these dimensions; undefined otherwise. */
function savedGraph(dir: string, partition: string, dimensions: number): SavedGraph | undefined {
  const paths = graphPaths(dir, partition);
  let bytes: Buffer;
  try {
    bytes = readFileSync(paths.ids);
  } catch {
    return undefined;
  }
  const count = bytes.length >= FIXED_BYTES + 4 ? bytes.readUInt32LE(16) : -1;
  const intact =
    bytes.length === FIXED_BYTES + 8 * count + 4 &&
    bytes.subarray(0, 8).equals(MAGIC) &&
    bytes.readUInt32LE(8) === FORMAT &&
    bytes.readUInt32LE(12) === dimensions &&
    crc32(bytes.subarray(0, bytes.length - 4)) === bytes.readUInt32LE(bytes.length - 4);
  if (!intact || !sameDigest(paths.graph, bytes.subarray(24, 56))) return undefined;
  const ids = Array.from({ length: count }, (_, i) => bytes.readDoubleLE(FIXED_BYTES + 8 * i));
  return { path: paths.graph, ids };
}

/** Removes the saved graphs of every partition but those in `keep`. */
function removeGraphs(dir: string, keep: ReadonlySet<string>): void {
  for (const name of readdirSync(dir)) {
    if (!name.startsWith(PREFIX)) continue;
    const partition = name.slice(PREFIX.length, PREFIX.length + 64);
    if (!keep.has(partition)) rmSync(join(dir, name), { force: true });
  }
}

function sameDigest(path: string, digest: Buffer): boolean {
  try {
    return fileDigest(path).equals(digest);
  } catch {
    return false;
  }
}

function fileDigest(path: string): Buffer {
  const hash = createHash('sha256');
  const fd = openSync(path, 'r');
  try {
    const chunk = Buffer.alloc(CHUNK_BYTES);
    for (let read = readSync(fd, chunk); read > 0; read = readSync(fd, chunk)) hash.update(chunk.subarray(0, read));
  } finally {
    closeSync(fd);
  }
  return hash.digest();
}
