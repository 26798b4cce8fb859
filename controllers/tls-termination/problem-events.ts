import type { ControllerEvent } from '../../runtime/controller.js';
import type { CertificateObservation } from './types.js';

/**
 * One Warning event per certificate problem as it appears or changes (a failed ACM describe or export, a certificate
 * that does not pass the check, a Secret that lacks a key), not one per pass; status keeps saying it meanwhile.
 */
export class CertificateProblemEvents {
  private readonly reported = new Map<string, string>();

  events(certificates: readonly CertificateObservation[]): ControllerEvent[] {
    const out: ControllerEvent[] = [];
    const seen = new Set<string>();
    for (const c of certificates) {
      seen.add(c.resource);
      if (!c.problem) {
        this.reported.delete(c.resource);
        continue;
      }
      const key = `${c.problem.reason}\n${c.problem.message}`;
      if (this.reported.get(c.resource) === key) continue;
      this.reported.set(c.resource, key);
      const serving = c.file ? `; ${c.file.subject} (serial ${c.file.serial}) keeps serving` : '';
      out.push({
        type: 'Warning',
        reason: c.problem.reason,
        resource: c.resource,
        message: c.problem.message + serving,
      });
    }
    for (const name of this.reported.keys()) if (!seen.has(name)) this.reported.delete(name);
    return out;
  }
}
