import type { HostMatch, ServerModel } from '../../renderers/haproxy/model.js';
import type { CertificateMaterial } from '../../runtime/aws/api-ports.js';
import type { DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonObservation } from '../../runtime/daemon/types.js';
import type { Rejection } from '../../runtime/resource-admission.js';
import type { LeafFacts, PemBundle } from './cert-file.js';
import type { TlsTerminationSpec } from './spec.js';

/** Where a resource's certificate comes from. The Secret's material is the key too: never serialised. */
export type CertificateOrigin =
  | { acm: { arn: string; renewalCheckSeconds: number } }
  | { secret: { name: string; generation: number; material: SecretMaterial } }
  /** The Secret is missing or incomplete: the resource waits, with this reason. */
  | { unresolved: string };

/** A PEM pair from a Secret; toJSON hides it (desired state may be logged by mistake, the key must not be). */
export class SecretMaterial {
  constructor(readonly material: CertificateMaterial) {}

  toJSON(): string {
    return '[secret PEM pair]';
  }
}

/** One admitted TlsTermination, its backends resolved to servers. */
export interface TerminationTarget {
  name: string;
  generation: number;
  spec: TlsTerminationSpec;
  certificate: CertificateOrigin;
  defaultServers: ServerModel[];
  routes: { hosts: HostMatch[]; servers: ServerModel[] }[];
  /** A backend that could not be resolved (a LoadBalancer reference): the resource is not served. */
  backendError?: string;
  /** A LoadBalancer backend that no longer resolves: served with its last listener, and said so. */
  backendStale?: string;
}

export interface TlsDesired {
  targets: TerminationTarget[];
  rejected: Rejection[];
  /** Every resource rejected, none admitted since start: keep the data plane as found (Admission.holdAsFound). */
  holdAsFound?: true;
}

/** A resource's certificate as this pass sees it: what is wanted, what is on disk, what HAProxy serves. */
export interface CertificateObservation {
  resource: string;
  source: 'acm' | 'secret';
  /** The checked certificate to serve now; absent while none is available. */
  wanted?: PemBundle;
  /** Why no (new) certificate is available: the file (or what HAProxy serves) stays. */
  problem?: { reason: string; message: string };
  /** The PEM on disk: what a start or reload loads. */
  file?: LeafFacts;
  /** What the running HAProxy presents (runtime API), when it serves this resource. */
  served?: { serial: string; sha1: string };
  /** The last swap HAProxy refused, while that is still the certificate wanted. */
  rejected?: { sha256: string; message: string };
}

export interface TlsObserved {
  daemon: DaemonObservation;
  certificates: CertificateObservation[];
  /** Resources with a certificate file (including ones no longer wanted). */
  certificateFiles: string[];
  unavailable?: { reason: string; message: string };
}

export type TlsAction =
  | DaemonAction
  /** Writes the PEM file (before HAProxy loads it: a start, a reload, or a new frontend). */
  | { type: 'writeCertificate'; resource: string; bundle: PemBundle }
  /** Swaps the certificate in the running HAProxy (runtime API), then writes the file; no reload. */
  | { type: 'swapCertificate'; resource: string; bundle: PemBundle }
  /** The resource is gone: its PEM goes too (after HAProxy stopped loading it). */
  | { type: 'removeCertificate'; resource: string };
