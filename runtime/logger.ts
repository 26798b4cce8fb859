import { pino, type Logger, type DestinationStream } from 'pino';

/**
 * One pino logger for the process. Secrets are removed by configuration, not by remembering: any field with one of
 * these names is censored wherever it appears.
 */
export const REDACT_PATHS = [
  'value',
  '*.value',
  'Value',
  '*.Value',
  'password',
  '*.password',
  'passwordHash',
  '*.passwordHash',
  'apiKey',
  '*.apiKey',
  'secret',
  '*.secret',
  'secretAccessKey',
  '*.secretAccessKey',
  'sessionToken',
  '*.sessionToken',
  'authorization',
  '*.authorization',
];

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'csgw' }, redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, destination);
}

export type { Logger };
