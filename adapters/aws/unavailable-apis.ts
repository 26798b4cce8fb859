import type { AwsApis } from '../../runtime/aws/api-ports.js';
import { ControllerError } from '../../runtime/controller.js';

/** Every call fails inert with the reason: an API we cannot reach must never fall back to other credentials. */
export function unavailableAwsApis(message: string): AwsApis {
  const fail = (): Promise<never> => Promise.reject(new ControllerError('AwsApiUnavailable', message, true));
  return {
    elbv2: { describeTargetHealth: fail },
    acm: { describeCertificate: fail, exportCertificate: fail },
  };
}
