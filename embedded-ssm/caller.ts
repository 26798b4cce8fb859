// Derives region and user from the SigV4 Authorization header. Signatures are not verified:
// the embedded endpoint accepts any credentials, it only uses them to label history entries.
import type { IncomingHttpHeaders } from 'node:http';
import type { Caller } from './types.js';
import { ACCOUNT_ID } from './types.js';

const DEFAULT_REGION = 'us-east-1';
const CREDENTIAL = /Credential=([^/,\s]+)\/[0-9]{8}\/([^/,\s]+)\//;

export function callerFrom(headers: IncomingHttpHeaders): Caller {
  const match = CREDENTIAL.exec(headers.authorization ?? '');
  const accessKey = match?.[1] ?? '';
  const region = match?.[2] ?? '';
  const safeKey = /^[A-Za-z0-9_+=,.@-]{1,128}$/.test(accessKey) ? accessKey : undefined;
  return {
    region: /^[a-z0-9-]{1,32}$/.test(region) ? region : DEFAULT_REGION,
    userArn: safeKey ? `arn:aws:iam::${ACCOUNT_ID}:user/${safeKey}` : `arn:aws:iam::${ACCOUNT_ID}:root`,
  };
}
