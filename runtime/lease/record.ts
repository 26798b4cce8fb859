/**
 * The value stored in a lease parameter. Wall-clock times are for people reading it; no decision uses them
 * (expiry is judged on each reader's monotonic clock from when it saw the version change).
 */
export interface LeaseRecord {
  /** The instance that wrote this record; '' in a release. */
  holder: string;
  /** The SSM version at which the writer's term began (a claim writes basedOn + 1). */
  epoch: number;
  /** The parameter version the writer saw when it wrote: the write counts only if it lands at basedOn + 1. */
  basedOn: number;
  /** Unique per write, so a writer whose response was lost can recognise its own record. */
  writeId: string;
  leaseDurationMs: number;
  /** true when the holder gave the lease up (graceful shutdown): others may claim at once. */
  released: boolean;
  acquireTime: string;
  renewTime: string;
}

/** A version of the parameter as read: record is undefined when the value is not a lease record (foreign write). */
export interface LeaseObservation {
  /** 0 when the parameter does not exist. */
  version: number;
  record?: LeaseRecord;
}

export function encodeLeaseRecord(record: LeaseRecord): string {
  return JSON.stringify(record);
}

export function decodeLeaseRecord(value: string): LeaseRecord | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (typeof r.holder !== 'string' || typeof r.writeId !== 'string' || typeof r.released !== 'boolean')
    return undefined;
  if (!isCount(r.epoch) || !isCount(r.basedOn) || !isCount(r.leaseDurationMs)) return undefined;
  return {
    holder: r.holder,
    epoch: r.epoch,
    basedOn: r.basedOn,
    writeId: r.writeId,
    leaseDurationMs: r.leaseDurationMs,
    released: r.released,
    acquireTime: typeof r.acquireTime === 'string' ? r.acquireTime : '',
    renewTime: typeof r.renewTime === 'string' ? r.renewTime : '',
  };
}

/** The one verdict rule: a write counts iff SSM gave it exactly the version after the one its writer saw. */
export function isEffective(observation: LeaseObservation): boolean {
  return observation.record !== undefined && observation.record.basedOn === observation.version - 1;
}

/** The holder and term of the latest record when it is an effective claim or renew; undefined otherwise. */
export function effectiveHolder(observation: LeaseObservation): { holder: string; epoch: number } | undefined {
  const record = observation.record;
  if (!record || !isEffective(observation) || record.released) return undefined;
  return { holder: record.holder, epoch: record.epoch };
}
