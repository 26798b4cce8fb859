import { join } from 'node:path';

export interface LocalModelPaths {
  /** Everything of one model: its revisions, the supervisor's state and vLLM's output, synced weights. */
  root: string;
  configRoot: string;
  runDir: string;
  /** Where an s3Uri is synced to. */
  weightsDir: string;
}

/** The parent of every model's directory. */
export function localModelsDir(daemonDir: string): string {
  return join(daemonDir, 'local-models');
}

/** One model's directories, by resource name (admission refuses names that are not plain file names). */
export function localModelPaths(daemonDir: string, name: string): LocalModelPaths {
  const root = join(localModelsDir(daemonDir), name);
  return { root, configRoot: join(root, 'config'), runDir: join(root, 'run'), weightsDir: join(root, 'weights') };
}
