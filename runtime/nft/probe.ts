import type { NftTable } from '../../renderers/nft/model.js';
import type { ProbeResult } from '../controller.js';
import type { NftPort } from '../ports.js';

/**
 * Probes a kernel feature by `nft --check` of a table that uses it: nothing is committed. `feature` names it in the
 * condition message, `mechanism` is what status reports the controller chose.
 */
export async function probeNftTable(
  nft: NftPort,
  table: NftTable,
  signal: AbortSignal,
  what: { feature: string; mechanism: string },
): Promise<ProbeResult> {
  try {
    await nft.check([{ op: 'replaceTable', table }], signal);
    return {
      ok: true,
      reason: 'NftablesAvailable',
      message: `${what.feature} available`,
      details: { mechanism: what.mechanism },
    };
  } catch (err) {
    return {
      ok: false,
      reason: 'KernelFeatureMissing',
      message: `${what.feature} unavailable: ${(err as Error).message}`,
      details: {},
    };
  }
}
