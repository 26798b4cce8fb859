import { decodeLeaseRecord, encodeLeaseRecord, type LeaseObservation, type LeaseRecord } from '../record.js';

/** Who sent a write: the simulator's ground truth, which the lease records themselves do not need to carry. */
export interface Writer {
  node: number;
  incarnation: number;
}

export interface StoredVersion {
  version: number;
  value: string;
  writer: Writer;
  landedAt: number;
}

/**
 * One SSM String parameter as the lease sees it: a put with Overwrite applies atomically when it arrives and gets the
 * next version; a get returns the latest version. Versions only grow. Deleting the parameter is out of the model:
 * the ADR forbids deleting a lease parameter (it would restart the versions and break the epoch order).
 * The 100-version history limit is not modelled either: the lease reads only the latest version.
 */
export class SimParameterStore {
  private readonly versions: StoredVersion[] = [];

  get latest(): number {
    return this.versions.length;
  }

  put(record: LeaseRecord, writer: Writer, at: number): number {
    const version = this.versions.length + 1;
    this.versions.push({ version, value: encodeLeaseRecord(record), writer, landedAt: at });
    return version;
  }

  get(): LeaseObservation {
    const last = this.versions[this.versions.length - 1];
    if (!last) return { version: 0 };
    const record = decodeLeaseRecord(last.value);
    return record ? { version: last.version, record } : { version: last.version };
  }

  at(version: number): StoredVersion | undefined {
    return this.versions[version - 1];
  }

  /** The decoded record of a version, for the checkers. */
  recordAt(version: number): LeaseRecord | undefined {
    const stored = this.at(version);
    return stored ? decodeLeaseRecord(stored.value) : undefined;
  }
}
