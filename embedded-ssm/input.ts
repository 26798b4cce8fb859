// Typed accessors for the untyped JSON request body. Wrong JSON types are a
// SerializationException, as AWS reports them; missing required members a ValidationException.
import { SsmError, validation } from './errors.js';
import type { JsonObject } from './types.js';

function wrongType(field: string, expected: string): SsmError {
  return new SsmError('SerializationException', `Member ${field} must be ${expected}.`);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function optString(body: JsonObject, field: string): string | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw wrongType(field, 'a string');
  return v;
}

export function reqString(body: JsonObject, field: string): string {
  const v = optString(body, field);
  if (v === undefined)
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null.`,
    );
  return v;
}

export function optBool(body: JsonObject, field: string): boolean {
  const v = body[field];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw wrongType(field, 'a boolean');
  return v;
}

export function optInt(body: JsonObject, field: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw wrongType(field, 'an integer');
  return v;
}

export function optArray(body: JsonObject, field: string): unknown[] | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw wrongType(field, 'a list');
  return v as unknown[];
}

export function optStringList(body: JsonObject, field: string): string[] | undefined {
  const list = optArray(body, field);
  if (list === undefined) return undefined;
  return list.map((item) => {
    if (typeof item !== 'string') throw wrongType(field, 'a list of strings');
    return item;
  });
}

/** A list member of 1..max strings, as the SSM API model constrains Names and Labels. */
export function reqStringList(body: JsonObject, field: string, max: number): string[] {
  const list = optStringList(body, field) ?? [];
  if (list.length < 1 || list.length > max) {
    throw validation(
      `1 validation error detected: Value at '${field}' failed to satisfy constraint: Member must have length between 1 and ${max}.`,
    );
  }
  return list;
}

/** MaxResults within [1, max]; default when absent. */
export function maxResults(body: JsonObject, max: number, fallback: number): number {
  const v = optInt(body, 'MaxResults');
  if (v === undefined) return fallback;
  if (v < 1 || v > max) {
    throw validation(
      `1 validation error detected: Value '${v}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${max}.`,
    );
  }
  return v;
}
