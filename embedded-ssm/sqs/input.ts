// Typed accessors for SQS request members. Wrong JSON types and out-of-range values are InvalidParameterValue,
// absent required members MissingParameter, as SQS reports them.
import { isObject } from '../input.js';
import type { JsonObject } from '../types.js';
import { invalidValue, missing } from './errors.js';

export function optString(body: JsonObject, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidValue(`Value for parameter ${field} must be a string.`);
  return v;
}

export function reqString(body: JsonObject, field: string): string {
  const v = optString(body, field);
  if (v === undefined || v === '') throw missing(field);
  return v;
}

/** An integer member within [min, max]; fallback when absent. */
export function intInRange(body: JsonObject, field: string, range: [number, number], fallback: number): number {
  const v = body[field];
  if (v === undefined || v === null) return fallback;
  const [min, max] = range;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw invalidValue(`Value for parameter ${field} is invalid. Reason: must be an integer from ${min} to ${max}.`);
  }
  return v;
}

export function optStringList(body: JsonObject, field: string): string[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((item) => typeof item === 'string')) {
    throw invalidValue(`Value for parameter ${field} must be a list of strings.`);
  }
  return v;
}

/** A map of string to string (Attributes, tags); empty when absent. */
export function optStringMap(body: JsonObject, field: string): Record<string, string> {
  const v = body[field];
  if (v === undefined || v === null) return {};
  if (!isObject(v) || !Object.values(v).every((item) => typeof item === 'string')) {
    throw invalidValue(`Value for parameter ${field} must be a map of strings.`);
  }
  return { ...(v as Record<string, string>) };
}

/** A member this endpoint does not support must be absent (or empty). */
export function refuse(body: JsonObject, field: string, why: string): void {
  const v = body[field];
  const empty = v === undefined || v === null || (isObject(v) && Object.keys(v).length === 0);
  if (!empty) throw invalidValue(`${field} is not supported by this endpoint: ${why}.`);
}
