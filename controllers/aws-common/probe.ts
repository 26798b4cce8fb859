import type { Ec2Port } from '../../runtime/aws/ports.js';
import { ControllerError, type ProbeResult } from '../../runtime/controller.js';

/**
 * A cheap read that proves the EC2 API answers with this node's credentials: DescribeNetworkInterfaces of the
 * interface the controller acts on. Failures the port understood become the probe's reason (MissingPermission, ...).
 */
export async function probeEc2(
  ec2: Ec2Port,
  networkInterfaceId: string,
  mechanism: string,
  signal: AbortSignal,
): Promise<ProbeResult> {
  try {
    const eni = await ec2.describeNetworkInterface(networkInterfaceId, signal);
    if (!eni) {
      return {
        ok: false,
        reason: 'NetworkInterfaceNotFound',
        message: `network interface ${networkInterfaceId} not found`,
        details: {},
      };
    }
    return {
      ok: true,
      reason: 'Ec2Available',
      message: `EC2 API available; ${networkInterfaceId} is in ${eni.availabilityZone}`,
      details: { mechanism },
    };
  } catch (err) {
    if (err instanceof ControllerError) return { ok: false, reason: err.reason, message: err.message, details: {} };
    throw err;
  }
}
