import { constants } from 'node:fs';
import { access, readdir } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { CommandRunner } from '../runtime/ports.js';
import type { GpuProbe, LocalInferenceHost } from '../runtime/local-inference.js';

/**
 * GPUs as the NVIDIA driver shows them (/dev/nvidia<N>, else `nvidia-smi -L`), and executables on PATH. `assumeGpu`
 * is a documented test option: the e2e tests run a fake vLLM on hosts without a GPU.
 */
export function createLocalInferenceHost(
  runner: CommandRunner,
  opts: { assumeGpu: boolean; devDir?: string },
): LocalInferenceHost {
  const devDir = opts.devDir ?? '/dev';
  return {
    gpu: async (signal): Promise<GpuProbe> => {
      if (opts.assumeGpu) return { found: true, detail: 'assumed (--assume-gpu, a test option)' };
      const devices = (await readdir(devDir).catch(() => [] as string[])).filter((d) => /^nvidia\d+$/.test(d));
      if (devices.length > 0) return { found: true, detail: devices.map((d) => join(devDir, d)).join(', ') };
      const smi = await runner
        .run('nvidia-smi', ['-L'], { signal })
        .catch(() => ({ exitCode: -1, stdout: '', stderr: '' }));
      const gpus = smi.exitCode === 0 ? smi.stdout.split('\n').filter((l) => l.startsWith('GPU ')) : [];
      return gpus.length > 0
        ? { found: true, detail: `${gpus.length} GPU(s) by nvidia-smi` }
        : { found: false, detail: `no ${devDir}/nvidia* device and no GPU listed by nvidia-smi` };
    },
    executable: async (program) => {
      const candidates = isAbsolute(program)
        ? [program]
        : (process.env.PATH ?? '')
            .split(delimiter)
            .filter(Boolean)
            .map((dir) => join(dir, program));
      for (const candidate of candidates)
        if (
          await access(candidate, constants.X_OK).then(
            () => true,
            () => false,
          )
        )
          return candidate;
      return undefined;
    },
  };
}
