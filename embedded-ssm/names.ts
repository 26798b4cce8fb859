// Parameter name, path, selector and label rules as AWS documents them.
import { SsmError, validation } from './errors.js';

const NAME_CHARS = /^[a-zA-Z0-9_.\-/]+$/;
const LABEL_CHARS = /^[a-zA-Z0-9_.-]+$/;
const RESERVED = /^\/?(aws|ssm)/i;
/** What the API model allows for a Name member (reading, deleting): the 2048 of Parameter.Name. */
const MAX_NAME_LENGTH = 2048;
/**
 * AWS counts the 1011-character limit of a name being created over the parameter's whole ARN: "The maximum length
 * for a parameter name that you specify is 1011 characters. This count of 1011 characters includes the characters
 * in the ARN that precede the name you specify ... arn:aws:ssm:us-east-2:111122223333:parameter/" (PutParameter,
 * Name, AWS SSM API Reference). The 2048 reported elsewhere includes 1037 characters reserved for internal use.
 */
const MAX_CREATED_ARN_LENGTH = 1011;
const MAX_LEVELS = 15;
const MAX_LABEL_LENGTH = 100;

const NAME_RULES =
  'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive). If formed as a path, it can consist of ' +
  'sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_';

function levels(name: string): number {
  return name.split('/').filter((part) => part.length > 0).length;
}

function hierarchyError(): SsmError {
  return new SsmError(
    'HierarchyLevelLimitExceededException',
    'A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names.',
  );
}

/** Throws unless name is a well-formed parameter name (without selector). */
export function validateName(name: string): void {
  if (name.length < 1 || name.length > MAX_NAME_LENGTH) {
    throw validation(`Parameter name must be between 1 and ${MAX_NAME_LENGTH} characters long.`);
  }
  if (!NAME_CHARS.test(name)) throw validation(NAME_RULES);
  if (name.includes('/') && !name.startsWith('/')) {
    throw validation('Parameter name must be a fully qualified name.');
  }
  if (name.includes('//') || name.endsWith('/')) throw validation(NAME_RULES);
  if (levels(name) > MAX_LEVELS) throw hierarchyError();
}

/**
 * Throws unless name is writable: well formed, its ARN within 1011 characters, and outside the reserved aws/ssm
 * namespaces.
 */
export function validateWritableName(name: string, arn: string): void {
  validateName(name);
  if (arn.length > MAX_CREATED_ARN_LENGTH) {
    throw validation(
      `Parameter name must be at most ${MAX_CREATED_ARN_LENGTH} characters long including its ARN prefix ` +
        `(${arn.length - name.replace(/^\//, '').length} characters here).`,
    );
  }
  if (RESERVED.test(name)) {
    throw new SsmError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  }
}

export interface NameSelector {
  name: string;
  /** The text after the colon, when a selector was given. */
  selector?: string;
}

/**
 * The name PutParameter creates: AWS documents that "the service removes any spaces specified for the beginning or
 * end of a parameter name" and refuses spaces between characters (PutParameter, Name). Only U+0020 is removed, as
 * documented; any other whitespace stays and is refused by the name rules.
 */
export function putParameterName(raw: string): string {
  return raw.replace(/^ +| +$/g, '');
}

/** Splits "name", "name:version" or "name:label". */
export function parseSelector(raw: string): NameSelector {
  const idx = raw.indexOf(':');
  if (idx < 0) return { name: raw };
  const selector = raw.slice(idx + 1);
  if (selector.length === 0 || selector.includes(':')) {
    throw validation(`Invalid parameter name or selector: ${raw}.`);
  }
  return { name: raw.slice(0, idx), selector };
}

/** Validates a GetParametersByPath / Path-filter path and returns it without trailing slash ('/' stays). */
export function normalizePath(path: string): string {
  const valid = path.startsWith('/') && NAME_CHARS.test(path) && !path.includes('//');
  if (!valid || path.length > MAX_NAME_LENGTH) {
    throw validation(
      'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/". ' +
        'It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ (underscore).',
    );
  }
  if (levels(path) > MAX_LEVELS) throw hierarchyError();
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** True when name lies below path: directly, or at any depth when recursive. Names without a slash sit under '/'. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const full = name.startsWith('/') ? name : `/${name}`;
  const prefix = path === '/' ? '/' : `${path}/`;
  if (!full.startsWith(prefix) || full.length === prefix.length) return false;
  return recursive || !full.slice(prefix.length).includes('/');
}

export function isValidLabel(label: string): boolean {
  return (
    label.length >= 1 &&
    label.length <= MAX_LABEL_LENGTH &&
    LABEL_CHARS.test(label) &&
    !/^[0-9]/.test(label) &&
    !/^(aws|ssm)/i.test(label)
  );
}
