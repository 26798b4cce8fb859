import type { DaemonAction } from '../../runtime/daemon/plan.js';
import type { DaemonObservation, DaemonRevision } from '../../runtime/daemon/types.js';
import type { Rejection } from '../../runtime/resource-admission.js';

/** An S3 prefix to bring to local disk before vLLM starts. */
export interface WeightsSync {
  uri: string;
  region?: string;
  dir: string;
}

/** One LocalModel resource, rendered: what vLLM runs and where its weights come from. */
export interface ModelTarget {
  name: string;
  generation: number;
  servedName: string;
  port: number;
  revision: DaemonRevision;
  /** Absent when the weights are a local path. */
  sync?: WeightsSync;
  /** Problems that do not stop the model (spill with no fallback). */
  notes: { reason: string; message: string }[];
}

export interface LocalModelDesired {
  models: ModelTarget[];
  rejected: Rejection[];
}

/** vLLM's own gauges, from its /metrics. */
export interface VllmMetrics {
  running: number;
  waiting: number;
  /** KV-cache use, 0-1. */
  kvCacheUsage: number;
}

/** A background step of one model (a sync, a start waiting for readiness), or how the last one failed. */
export interface WorkState {
  /** Set while a step runs. */
  phase?: 'Downloading' | 'Loading';
  /** The revision the step in flight puts live (none for a removal). */
  target?: string;
  since?: string;
  lastError?: { reason: string; message: string; at: string };
  /** While set (and not yet passed), the failed step is not planned again: back-off. */
  retryPending: boolean;
  weights?: { objects: number; bytes: number; fetched: number; at: string };
  /** The last sync failed, and the weights an earlier one left on disk were started instead. */
  syncWarning?: string;
}

export interface ModelObservation {
  name: string;
  daemon: DaemonObservation;
  work: WorkState;
  metrics?: VllmMetrics;
}

export interface LocalModelObserved {
  models: ModelObservation[];
  gpu: string;
}

export type LocalModelAction =
  /** Sync the weights (when synced from S3), then run the kit's steps, in the background. */
  | { type: 'run'; model: string; sync?: WeightsSync; steps: DaemonAction[] }
  /** The resource is gone: stop vLLM and remove its revisions (synced weights stay, they are slow to fetch). */
  | { type: 'remove'; model: string };
