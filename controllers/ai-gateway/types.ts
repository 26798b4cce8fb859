import type { DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonObservation, DaemonRevision } from '../../runtime/daemon/types.js';
import type { DataPlaneStatus } from './data-plane-status.js';
import type { LocalModelRouting } from './local-models.js';

/** A rendered, hashed data-plane config, ready to install, with its readiness probe and pre-flight checks. */
export interface AiGatewayRevision extends DaemonRevision {
  /** The listen and admin addresses: a change restarts the process, anything else is a reload (SIGHUP). */
  restartKey: string;
  /** host:port clients reach, as shown in status. */
  listen: string;
  adminPort: number;
}

/** A Secret the revision was rendered from: its name, generation and the keys read. Never a value. */
export interface SecretSource {
  name: string;
  generation: number;
  keys: string[];
}

export interface AiGatewayDesired {
  enabled: boolean;
  revision?: AiGatewayRevision;
  sources: { secrets: SecretSource[] };
  /** LocalModels whose fallback cannot be used (a spill of theirs rejects). */
  localProblems: LocalModelRouting['problems'];
}

export interface AiGatewayObserved {
  daemon: DaemonObservation;
  /** The data plane's own view (GET /status on its admin port), when it answered. */
  dataPlane?: DataPlaneStatus;
  /** Why /status could not be read from a running process. */
  dataPlaneError?: string;
}

/** The AI gateway has no steps of its own: its audit log rotates itself. Describing one never shows the config. */
export type AiGatewayAction = DaemonAction;
