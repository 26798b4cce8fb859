// Embedded AWS SSM Parameter Store endpoint speaking the SSM JSON 1.1 wire protocol, so that
// @aws-sdk/client-ssm and the AWS CLI (--endpoint-url) work against it unchanged.
export type { EmbeddedSsmHandle, EmbeddedSsmOptions } from './server.js';
export { connectOrStartEmbeddedSsm, discoverEmbeddedSsm, startEmbeddedSsm } from './server.js';
export { EmbeddedSsmLockedError } from './lock.js';
