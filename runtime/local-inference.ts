/** What this host offers local inference: GPUs, the vLLM executable, and a way to bring weights from S3. */
export interface LocalInferencePorts {
  /** The argv that runs vLLM's CLI (`vllm`, or a venv's path); `serve --config <file>` is appended. */
  command: readonly string[];
  host: LocalInferenceHost;
  weights: WeightsPort;
}

export interface GpuProbe {
  found: boolean;
  /** What was found or looked for (`/dev/nvidia0, /dev/nvidia1`, `no /dev/nvidia* and no nvidia-smi`). */
  detail: string;
}

export interface LocalInferenceHost {
  gpu(signal: AbortSignal): Promise<GpuProbe>;
  /** The program's full path when it is an executable (a bare name is looked up on PATH), else undefined. */
  executable(program: string): Promise<string | undefined>;
}

export interface WeightsSyncResult {
  objects: number;
  bytes: number;
  /** Objects fetched this time (the others were already there, unchanged). */
  fetched: number;
}

/** Brings a model's files from an S3 prefix to a local directory; every call has a deadline. */
export interface WeightsPort {
  sync(source: { uri: string; region?: string }, dir: string, signal: AbortSignal): Promise<WeightsSyncResult>;
  /** Whether an earlier sync of this source completed into dir: the weights on disk can serve when S3 cannot. */
  present(source: { uri: string }, dir: string): Promise<boolean>;
}
