/** What an SSM change event tells: which parameter, and what happened to it (never its value). */
export interface ParameterChange {
  name: string;
  operation: string;
}

const NAME = /^\/[A-Za-z0-9_.\-/]{1,2047}$/;
const OPERATION = /^[A-Za-z]{1,64}$/;

/**
 * Strict decoder of an EventBridge "Parameter Store Change" event, as SQS delivers it (the event is the body).
 * Anything else (another source, a malformed body, a name that is no SSM path) is undefined: the caller counts and
 * deletes it. Nothing from the body is trusted beyond the name, which only selects what to re-read.
 */
export function decodeParameterChange(body: string): ParameterChange | undefined {
  let event: unknown;
  try {
    event = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (!isRecord(event) || event.source !== 'aws.ssm' || event['detail-type'] !== 'Parameter Store Change')
    return undefined;
  const detail = event.detail;
  if (!isRecord(detail)) return undefined;
  const { name, operation } = detail;
  if (typeof name !== 'string' || !NAME.test(name) || name.includes('//')) return undefined;
  if (typeof operation !== 'string' || !OPERATION.test(operation)) return undefined;
  return { name, operation };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
