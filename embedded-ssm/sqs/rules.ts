// The emulated EventBridge rule of a queue, from its tags: csgw:name-prefix (a parameter-name prefix) or
// csgw:name-wildcard (EventBridge wildcard matching, where * stands for any run of characters, / included).
// A queue without either tag receives every change.
import { invalidValue } from './errors.js';

export const PREFIX_TAG = 'csgw:name-prefix';
export const WILDCARD_TAG = 'csgw:name-wildcard';

export type NameRule = (name: string) => boolean;

const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
const WILDCARD_CHARS = /^[a-zA-Z0-9_.\-/*]+$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.\-/\\^$+?()[\]{}|]/g, '\\$&');
}

function wildcardRule(pattern: string): NameRule {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (name) => regex.test(name);
}

/** The rule the tags describe; bad rule tags are InvalidParameterValue. */
export function parseRule(tags: Record<string, string>): NameRule {
  const prefix = tags[PREFIX_TAG];
  const wildcard = tags[WILDCARD_TAG];
  if (prefix !== undefined && wildcard !== undefined) {
    throw invalidValue(`A queue takes ${PREFIX_TAG} or ${WILDCARD_TAG}, not both.`);
  }
  if (prefix !== undefined) {
    if (!NAME_CHARS.test(prefix))
      throw invalidValue(`${PREFIX_TAG} must be 1 or more characters of a-z A-Z 0-9 _ . - /.`);
    return (name) => name.startsWith(prefix);
  }
  if (wildcard !== undefined) {
    if (!WILDCARD_CHARS.test(wildcard)) {
      throw invalidValue(`${WILDCARD_TAG} must be 1 or more characters of a-z A-Z 0-9 _ . - / *.`);
    }
    return wildcardRule(wildcard);
  }
  return () => true;
}
