// A queue's definition (name, settable attributes, tags) and its validation. Definitions persist; messages don't.
import { invalidValue, SqsError } from './errors.js';
import { parseRule } from './rules.js';

/** The settable attributes this endpoint honours, with SQS's ranges and defaults. */
const SETTABLE = Object.freeze({
  DelaySeconds: { min: 0, max: 900, fallback: 0 },
  MaximumMessageSize: { min: 1024, max: 262_144, fallback: 262_144 },
  MessageRetentionPeriod: { min: 60, max: 1_209_600, fallback: 345_600 },
  ReceiveMessageWaitTimeSeconds: { min: 0, max: 20, fallback: 0 },
  VisibilityTimeout: { min: 0, max: 43_200, fallback: 30 },
});
export type SettableAttribute = keyof typeof SETTABLE;
export type QueueAttributes = Record<SettableAttribute, number>;

export interface QueueDefinition {
  name: string;
  /** Epoch milliseconds. */
  createdAt: number;
  attributes: QueueAttributes;
  tags: Record<string, string>;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const TAG_KEY_MAX = 128;
const TAG_VALUE_MAX = 256;
const MAX_TAGS = 50;

export function isQueueName(name: string): boolean {
  return QUEUE_NAME.test(name);
}

export function validateQueueName(name: string): void {
  if (!isQueueName(name)) {
    throw invalidValue(
      'Value for parameter QueueName is invalid. Reason: Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length.',
    );
  }
}

function isSettable(name: string): name is SettableAttribute {
  return Object.hasOwn(SETTABLE, name);
}

/** Parses CreateQueue's Attributes: only the settable ones, as decimal integers within range. */
export function parseAttributes(raw: Record<string, string>): Partial<QueueAttributes> {
  const parsed: Partial<QueueAttributes> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!isSettable(name)) {
      throw new SqsError('InvalidAttributeName', `Unknown or unsupported attribute ${name}.`);
    }
    const { min, max } = SETTABLE[name];
    const n = /^[0-9]{1,10}$/.test(value) ? Number(value) : NaN;
    if (!(n >= min && n <= max)) {
      throw new SqsError('InvalidAttributeValue', `Invalid value for the parameter ${name}: ${min} to ${max}.`);
    }
    parsed[name] = n;
  }
  return parsed;
}

export function withDefaults(partial: Partial<QueueAttributes>): QueueAttributes {
  const full = {} as QueueAttributes;
  for (const [name, spec] of Object.entries(SETTABLE)) full[name as SettableAttribute] = spec.fallback;
  return { ...full, ...partial };
}

/** SQS tag limits; the csgw: rule tags must also parse as a rule. */
export function validateTags(tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  if (entries.length > MAX_TAGS) throw invalidValue(`A queue can have at most ${MAX_TAGS} tags.`);
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > TAG_KEY_MAX || value.length > TAG_VALUE_MAX) {
      throw invalidValue(`Tag keys are 1-${TAG_KEY_MAX} and values 0-${TAG_VALUE_MAX} characters long.`);
    }
  }
  parseRule(tags);
}

/** CreateQueue on an existing name succeeds only if every given attribute and tag matches it. */
export function matches(def: QueueDefinition, attrs: Partial<QueueAttributes>, tags: Record<string, string>): boolean {
  const sameAttrs = Object.entries(attrs).every(([name, value]) => def.attributes[name as SettableAttribute] === value);
  const sameTags = Object.entries(tags).every(([key, value]) => def.tags[key] === value);
  return sameAttrs && sameTags;
}

/** Attribute values as SQS renders them (strings). */
export function renderSettable(attributes: QueueAttributes): Record<string, string> {
  return Object.fromEntries(Object.entries(attributes).map(([name, value]) => [name, String(value)]));
}
