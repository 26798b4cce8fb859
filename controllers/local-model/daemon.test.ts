import { describe, expect, it } from '@jest/globals';
import { vllmDaemon, vllmProblems } from './daemon.js';

describe('vLLM as the daemon kit runs it', () => {
  it('switches off usage statistics and any model hub in its environment', () => {
    expect(vllmDaemon(['vllm'], undefined, 'keep').environment).toEqual({
      VLLM_NO_USAGE_STATS: '1',
      DO_NOT_TRACK: '1',
      HF_HUB_OFFLINE: '1',
      TRANSFORMERS_OFFLINE: '1',
    });
  });

  it('shows its error lines in status, never one that may quote a prompt, never the raw tail', () => {
    const output = [
      "INFO 12-07 01:00:00 Received request chatcmpl-1: prompt: 'my secret plan', params: ...",
      'ERROR 12-07 01:00:01 engine died',
      "ValueError: prompt 'my secret plan' is longer than the maximum model length",
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
    ].join('\n');
    const shown = vllmProblems(output);
    expect(shown).toEqual([
      'ERROR 12-07 01:00:01 engine died',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
    ]);
    expect(JSON.stringify(shown)).not.toContain('secret');
    expect(vllmProblems("INFO Received request: prompt: 'my secret plan'")).toEqual([
      expect.stringContaining('see its output file'),
    ]);
  });
});
