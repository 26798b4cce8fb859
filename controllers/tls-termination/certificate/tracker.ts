// Follows the ACM certificate of each TlsTermination resource. Describes are rationed (at most one per
// renewalCheckSeconds, at once for a new ARN); exports happen only when there is nothing to serve yet or ACM reports
// a new serial or validity. Whatever fails, the last good certificate stays in the state with the error beside it.
import type { AcmPort, CertificateSummary } from '../../../runtime/aws/api-ports.js';
import { ControllerError } from '../../../runtime/controller.js';
import { inspectCertificate, isCertificateProblem } from './inspect.js';
import type { AcmCertificateState, AcmCertificateTracker } from './types.js';

export interface AcmCertificateTrackerDeps {
  acm: AcmPort;
  clock?: () => Date;
}

interface Entry {
  arn: string;
  state: AcmCertificateState;
  /** Epoch ms from which the next call describes again. */
  nextDescribeAt: number;
  /** The summary version (serial and notAfter) the served certificate was exported at. */
  servedVersion?: string;
  /** The last describe asked for an export that has not succeeded yet and may be retried at once. */
  exportPending: boolean;
}

type StateError = NonNullable<AcmCertificateState['error']>;

/** What changes when ACM renews: a new serial and a new end of validity. */
const versionOf = (summary: CertificateSummary): string => `${summary.serial ?? ''}|${summary.notAfter ?? ''}`;

/** Adapter failures are ControllerErrors with safe messages; anything else is not quoted. */
function errorOf(err: unknown, action: string): StateError {
  if (err instanceof ControllerError) return { reason: err.reason, message: err.message };
  return { reason: 'AwsApiError', message: `ACM ${action} failed unexpectedly` };
}

/** An inert failure will not go away by asking again soon. */
const isInert = (err: unknown): boolean => err instanceof ControllerError && err.inert;

/** Why the summary cannot be exported now, if it cannot. */
function exportBlocker(summary: CertificateSummary): StateError | undefined {
  if (summary.status !== 'ISSUED') {
    return {
      reason: 'CertificateNotIssued',
      message: `ACM certificate ${summary.arn} is ${summary.status}, not ISSUED`,
    };
  }
  if (!summary.exportable) {
    return {
      reason: 'CertificateNotExportable',
      message: `ACM certificate ${summary.arn} (${summary.type}) cannot be exported: request it as exportable or use a private CA`,
    };
  }
  return undefined;
}

interface Context {
  acm: AcmPort;
  clock: () => Date;
}

/** Describes, and decides whether an export is due; false when the describe failed. */
async function describe(
  ctx: Context,
  entry: Entry,
  renewalCheckSeconds: number,
  signal: AbortSignal,
): Promise<boolean> {
  const now = ctx.clock();
  try {
    const summary = await ctx.acm.describeCertificate(entry.arn, signal);
    entry.state.summary = summary;
    entry.state.checkedAt = now.toISOString();
    entry.nextDescribeAt = now.getTime() + renewalCheckSeconds * 1000;
    const blocker = exportBlocker(summary);
    entry.exportPending = !blocker && (!entry.state.certificate || versionOf(summary) !== entry.servedVersion);
    if (blocker) entry.state.error = blocker;
    else if (!entry.exportPending) delete entry.state.error;
    return true;
  } catch (err) {
    // Not rationed: the controller's retry backoff paces the next attempt.
    entry.state.error = errorOf(err, `DescribeCertificate ${entry.arn}`);
    return false;
  }
}

async function exportAndInspect(ctx: Context, entry: Entry, signal: AbortSignal): Promise<void> {
  const summary = entry.state.summary;
  if (!summary) return;
  try {
    const material = await ctx.acm.exportCertificate(entry.arn, signal);
    // A bad export waits for the next describe rather than being fetched again at every call.
    entry.exportPending = false;
    const result = inspectCertificate(material, ctx.clock());
    if (isCertificateProblem(result)) {
      entry.state.error = { reason: result.reason, message: `ACM certificate ${entry.arn}: ${result.message}` };
      return;
    }
    entry.state.certificate = result;
    entry.servedVersion = versionOf(summary);
    delete entry.state.error;
  } catch (err) {
    if (isInert(err)) entry.exportPending = false;
    entry.state.error = errorOf(err, `ExportCertificate ${entry.arn}`);
  }
}

export function createAcmCertificateTracker(deps: AcmCertificateTrackerDeps): AcmCertificateTracker {
  const ctx: Context = { acm: deps.acm, clock: deps.clock ?? ((): Date => new Date()) };
  const entries = new Map<string, Entry>();
  const inflight = new Map<string, Promise<AcmCertificateState>>();

  async function refresh(
    resource: string,
    arn: string,
    renewalCheckSeconds: number,
    signal: AbortSignal,
  ): Promise<AcmCertificateState> {
    let entry = entries.get(resource);
    if (entry?.arn !== arn) {
      // A new ARN is described at once; the old certificate keeps serving until the new one is good.
      const certificate = entry?.state.certificate;
      entry = { arn, state: certificate ? { certificate } : {}, nextDescribeAt: 0, exportPending: false };
      entries.set(resource, entry);
    }
    // While nothing can be served the rationing is off: the controller's backoff paces the calls, and a certificate
    // that became ISSUED is picked up at once instead of after renewalCheckSeconds.
    const waiting = !entry.state.certificate && !entry.exportPending;
    const due = waiting || ctx.clock().getTime() >= entry.nextDescribeAt;
    const described = due ? await describe(ctx, entry, renewalCheckSeconds, signal) : true;
    if (described && entry.exportPending) await exportAndInspect(ctx, entry, signal);
    return { ...entry.state };
  }

  return {
    current: (resource, certificateArn, renewalCheckSeconds, signal) => {
      // One refresh per resource at a time: concurrent callers share it rather than export twice.
      const running = inflight.get(resource);
      if (running) return running;
      const next = refresh(resource, certificateArn, renewalCheckSeconds, signal).finally(() =>
        inflight.delete(resource),
      );
      inflight.set(resource, next);
      return next;
    },
    forget: (resource) => {
      entries.delete(resource);
    },
  };
}
