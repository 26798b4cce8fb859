import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';

/**
 * The semantic cache's file: a header, then fixed-layout binary records appended one after the other, each closed
 * by a CRC-32 of its bytes. A record cut short by a crash or a full disk, or damaged, ends the file for the reader:
 * what follows is ignored, never trusted.
 *
 *   header  48 B: magic "CSGWSEM\0" | format u32 | dimensions u32 | SHA-256 of the embedding model's name
 *   insert  88 + 4·d B: type 1 u8 | 3 zero | id f64 | createdAt f64 ms | partition 32 B | key 32 B | d × f32 |
 *           crc u32
 *   remove  40 B: type 2 u8 | 3 zero | key 32 B | crc u32
 *
 * Numbers are little-endian; partitions and keys are SHA-256 digests, stored as their 32 bytes. An entry's id never
 * changes, and no other entry takes it while it is live or a saved HNSW graph (graph-file.ts) knows it.
 */
export const HEADER_BYTES = 48;
export const REMOVE_BYTES = 40;
/** Far above any embedding model's (≤ 4,096 today); a header beyond it is damage, not a model. */
export const MAX_DIMENSIONS = 65_536;
const MAGIC = Buffer.from('CSGWSEM\0', 'latin1');
const FORMAT = 1;
const INSERT = 1;
const REMOVE = 2;
const DIGEST = /^[0-9a-f]{64}$/;
const VECTOR_AT = 84;
/** On a little-endian host (x86, arm64) vectors are copied as they are in memory, not float by float. */
const NATIVE_ORDER = endianness() === 'LE';

export interface LogHeader {
  dimensions: number;
  /** Hex SHA-256 of the embedding model's name. */
  model: string;
}

export interface LogEntry {
  id: number;
  partition: string;
  key: string;
  /** Epoch milliseconds. */
  createdAt: number;
  vector: Float32Array;
}

export type LogRecord = { type: 'insert'; entry: LogEntry } | { type: 'remove'; key: string };

export function isDigest(value: string): boolean {
  return DIGEST.test(value);
}

export function insertBytes(dimensions: number): number {
  return 88 + 4 * dimensions;
}

export function encodeHeader(header: LogHeader): Buffer {
  const bytes = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(bytes, 0);
  bytes.writeUInt32LE(FORMAT, 8);
  bytes.writeUInt32LE(header.dimensions, 12);
  bytes.write(header.model, 16, 32, 'hex');
  return bytes;
}

/** The header, or undefined when these bytes are not one this code wrote. */
export function decodeHeader(bytes: Buffer): LogHeader | undefined {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC) || bytes.readUInt32LE(8) !== FORMAT) {
    return undefined;
  }
  const dimensions = bytes.readUInt32LE(12);
  if (dimensions === 0 || dimensions > MAX_DIMENSIONS) return undefined;
  return { dimensions, model: bytes.toString('hex', 16, 48) };
}

export function encodeInsert(entry: LogEntry): Buffer {
  const bytes = Buffer.alloc(insertBytes(entry.vector.length));
  bytes.writeUInt8(INSERT, 0);
  bytes.writeDoubleLE(entry.id, 4);
  bytes.writeDoubleLE(entry.createdAt, 12);
  bytes.write(entry.partition, 20, 32, 'hex');
  bytes.write(entry.key, 52, 32, 'hex');
  const { vector } = entry;
  if (NATIVE_ORDER) Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).copy(bytes, VECTOR_AT);
  else for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, VECTOR_AT + 4 * i);
  return seal(bytes);
}

export function encodeRemove(key: string): Buffer {
  const bytes = Buffer.alloc(REMOVE_BYTES);
  bytes.writeUInt8(REMOVE, 0);
  bytes.write(key, 4, 32, 'hex');
  return seal(bytes);
}

/** The length of the record starting with this type byte, or undefined when it starts no record. */
export function recordBytes(type: number, dimensions: number): number | undefined {
  if (type === INSERT) return insertBytes(dimensions);
  if (type === REMOVE) return REMOVE_BYTES;
  return undefined;
}

/**
 * The record these bytes hold (exactly one record's length), or undefined when they are damaged. `newVector` gives
 * the array an insert's vector is copied into.
 */
export function decodeRecord(
  bytes: Buffer,
  dimensions: number,
  newVector = (): Float32Array => new Float32Array(dimensions),
): LogRecord | undefined {
  const end = bytes.length - 4;
  if (crc32(bytes.subarray(0, end)) !== bytes.readUInt32LE(end) || bytes.readUIntLE(1, 3) !== 0) return undefined;
  if (bytes[0] === REMOVE) return { type: 'remove', key: bytes.toString('hex', 4, 36) };
  const id = bytes.readDoubleLE(4);
  const createdAt = bytes.readDoubleLE(12);
  if (!Number.isSafeInteger(id) || id < 0 || !Number.isFinite(createdAt)) return undefined;
  const vector = newVector();
  const raw = bytes.subarray(VECTOR_AT, VECTOR_AT + 4 * dimensions);
  if (NATIVE_ORDER) Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).set(raw);
  else for (let i = 0; i < dimensions; i++) vector[i] = bytes.readFloatLE(VECTOR_AT + 4 * i);
  const [partition, key] = [bytes.toString('hex', 20, 52), bytes.toString('hex', 52, VECTOR_AT)];
  return { type: 'insert', entry: { id, partition, key, createdAt, vector } };
}

function seal(bytes: Buffer): Buffer {
  const end = bytes.length - 4;
  bytes.writeUInt32LE(crc32(bytes.subarray(0, end)), end);
  return bytes;
}
