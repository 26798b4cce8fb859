import type { KindSnapshot } from '../../runtime/controller.js';
import { buildLbModel, type LbInputs } from './lb-model.js';
import type { LbModel } from './load-balancer.js';

/** LoadBalancer resources as SSM lists them, claimed in the order given (test support). */
export function lbSnapshot(specs: Record<string, unknown>, generation = 1): KindSnapshot {
  return {
    kind: 'LoadBalancer',
    resources: Object.entries(specs).map(([name, spec], i) => ({
      name,
      generation,
      value: JSON.stringify(spec),
      modifiedAt: new Date(i * 1000).toISOString(),
    })),
  };
}

/** The model explain builds for these specs, and the notes it printed. */
export function lbModelOf(
  specs: Record<string, unknown>,
  inputs: LbInputs = {},
  generation = 1,
): { model: LbModel; notes: string[] } {
  const notes: string[] = [];
  const snapshot = lbSnapshot(specs, generation);
  const model = buildLbModel((kind) => (kind === 'LoadBalancer' ? snapshot : { kind, resources: [] }), notes, inputs);
  if (!model) throw new Error('no LoadBalancer model');
  return { model, notes };
}
