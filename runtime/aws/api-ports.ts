/**
 * The AWS APIs the L4 load balancer (ELBv2) and TLS termination (ACM) read, through the operational role. Each port
 * picks the client by the ARN it is given (its region and account), so cross-account ARNs work like AzRoutes' EC2.
 * Real adapters live in adapters/aws/, fakes in lab/ and testing/. Failures are ControllerErrors with stable reasons
 * (runtime/aws/ports.ts), plus: TargetGroupNotFound, CertificateNotFound, CertificateNotExportable (all inert) and
 * AwsApiUnavailable (inert: no identity, no endpoint, no operational role; the message says which).
 */

/** ELBv2's TargetHealth.State. */
export type TargetHealthState = 'initial' | 'healthy' | 'unhealthy' | 'unused' | 'draining' | 'unavailable';

/** One registered target of an NLB target group, its instance id already resolved to its private address. */
export interface RegisteredTarget {
  /** IPv4 address of the target (ip targets: the id; instance targets: the instance's primary private address). */
  address: string;
  port: number;
  state: TargetHealthState;
  /** ELBv2's TargetHealth.Reason (Target.DeregistrationInProgress, Target.FailedHealthChecks, ...). */
  reason?: string;
  /** The ELBv2 id when it is not the address (an instance id). */
  targetId?: string;
  availabilityZone?: string;
}

export interface Elbv2Port {
  /** DescribeTargetHealth of every registered target; a deadline comes with the signal and the client's timeouts. */
  describeTargetHealth(targetGroupArn: string, signal: AbortSignal): Promise<RegisteredTarget[]>;
}

export interface CertificateSummary {
  arn: string;
  /** ACM's Status: ISSUED, PENDING_VALIDATION, EXPIRED, REVOKED, ... */
  status: string;
  /** AMAZON_ISSUED, PRIVATE or IMPORTED. */
  type: string;
  /** Whether ExportCertificate may be called (private CA certificates, and public ones issued as exportable). */
  exportable: boolean;
  domainName: string;
  serial?: string;
  notBefore?: string;
  notAfter?: string;
  /** RenewalSummary.RenewalStatus when a renewal is under way. */
  renewalStatus?: string;
}

/** An exported certificate: the key is already decrypted (in memory only) and PKCS#8 PEM. */
export interface CertificateMaterial {
  certificatePem: string;
  chainPem: string;
  privateKeyPem: string;
}

export interface AcmPort {
  describeCertificate(arn: string, signal: AbortSignal): Promise<CertificateSummary>;
  exportCertificate(arn: string, signal: AbortSignal): Promise<CertificateMaterial>;
}

/** The AWS APIs beyond SSM and EC2, built once in the composition root. */
export interface AwsApis {
  elbv2: Elbv2Port;
  acm: AcmPort;
}
