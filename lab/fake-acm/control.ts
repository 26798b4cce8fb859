// Parsing of the fake ACM's control requests (POST /_issue, /_renew, /_corrupt, /_fail): each body is checked
// before it reaches the model.
import { SUPPORTED_ACTIONS } from './api.js';
import type { CorruptMode, IssueRequest } from './model.js';

export class BadControlRequest extends Error {}

type Body = Record<string, unknown>;

export function parseBody(text: string): Body {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new BadControlRequest('body must be JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new BadControlRequest('body must be a JSON object');
  }
  return parsed as Body;
}

function stringField(body: Body, key: string): string {
  const value = body[key];
  if (typeof value !== 'string' || value === '') throw new BadControlRequest(`${key} must be a non-empty string`);
  return value;
}

export function parseIssue(body: Body): IssueRequest {
  const { sans, exportable, keyAlgorithm } = body;
  if (sans !== undefined && !(Array.isArray(sans) && sans.every((s) => typeof s === 'string'))) {
    throw new BadControlRequest('sans must be a list of strings');
  }
  if (exportable !== undefined && typeof exportable !== 'boolean') {
    throw new BadControlRequest('exportable must be a boolean');
  }
  if (keyAlgorithm !== undefined && keyAlgorithm !== 'EC_prime256v1' && keyAlgorithm !== 'RSA_2048') {
    throw new BadControlRequest('keyAlgorithm must be EC_prime256v1 or RSA_2048');
  }
  return {
    domainName: stringField(body, 'domainName'),
    ...(sans === undefined ? {} : { sans: sans }),
    ...(exportable === undefined ? {} : { exportable }),
    ...(keyAlgorithm === undefined ? {} : { keyAlgorithm: keyAlgorithm }),
  };
}

export const parseArn = (body: Body): string => stringField(body, 'arn');

const CORRUPT_MODES: readonly CorruptMode[] = ['key-mismatch', 'garbage', 'none'];

export function parseCorrupt(body: Body): { arn: string; mode: CorruptMode } {
  const mode = body['mode'];
  if (!CORRUPT_MODES.includes(mode as CorruptMode)) {
    throw new BadControlRequest(`mode must be one of ${CORRUPT_MODES.join(', ')}`);
  }
  return { arn: parseArn(body), mode: mode as CorruptMode };
}

export interface FailureRule {
  code: string;
  remaining: number;
}

export function parseFailure(body: Body): { action: string; rule: FailureRule } {
  const { action, code, count = 1 } = body;
  if (typeof action !== 'string' || !SUPPORTED_ACTIONS.includes(action)) {
    throw new BadControlRequest(`action must be one of ${SUPPORTED_ACTIONS.join(', ')}`);
  }
  if (typeof code !== 'string' || !/^[A-Za-z][A-Za-z0-9.]*$/.test(code)) {
    throw new BadControlRequest('code must be an AWS error code such as AccessDeniedException');
  }
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new BadControlRequest('count must be a non-negative integer');
  }
  return { action, rule: { code, remaining: count } };
}
