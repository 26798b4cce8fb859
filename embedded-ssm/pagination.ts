// NextToken is an opaque cursor holding the key of the last item returned, so pages stay
// consistent while parameters are added or removed between calls.
import { SsmError } from './errors.js';
import { isObject } from './input.js';

type Key = string | number;

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

function encode(key: Key): string {
  return Buffer.from(JSON.stringify({ k: key }), 'utf8').toString('base64');
}

function decode(token: string): Key {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    if (isObject(parsed) && (typeof parsed['k'] === 'string' || typeof parsed['k'] === 'number')) return parsed['k'];
  } catch {
    // fall through to the error below
  }
  throw invalidToken();
}

function invalidToken(): SsmError {
  return new SsmError('InvalidNextToken', "The specified token isn't valid.");
}

/** Returns up to max items after the token's cursor; items must be sorted ascending by keyOf. */
export function paginate<T>(items: T[], keyOf: (item: T) => Key, token: string | undefined, max: number): Page<T> {
  let start = 0;
  if (token !== undefined && token !== '') {
    const cursor = decode(token);
    const first = items[0];
    if (first !== undefined && typeof keyOf(first) !== typeof cursor) throw invalidToken();
    start = items.findIndex((item) => keyOf(item) > cursor);
    if (start < 0) start = items.length;
  }
  const slice = items.slice(start, start + max);
  const last = slice[slice.length - 1];
  const more = start + max < items.length;
  return more && last !== undefined ? { items: slice, nextToken: encode(keyOf(last)) } : { items: slice };
}
