import { RESERVED_PREFIX } from '../../ai-gateway/config.js';
import type { ModelSpec, ProviderSpec } from './spec.js';

/** Most targets one model resolves to, its own and its fallbacks' (each tried with retries before the next). */
export const MAX_TARGETS = 8;

/**
 * The model table: names unique and not in the reserved `local/` space, providers that exist and can serve the
 * kind, fallbacks that name other models of the same kind, without cycles, and a bounded fallback chain.
 */
export function checkModels(models: readonly ModelSpec[], providers: readonly ProviderSpec[]): string[] {
  const errors: string[] = [];
  const byName = new Map<string, ModelSpec>();
  models.forEach((m, i) => {
    const field = `spec.models[${i}]`;
    if (m.name.startsWith(RESERVED_PREFIX))
      errors.push(`${field}.name: ${m.name}: the ${RESERVED_PREFIX} prefix is reserved for local inference`);
    if (byName.has(m.name)) errors.push(`${field}.name: ${m.name} is listed twice`);
    else byName.set(m.name, m);
    const provider = providers.find((p) => p.name === m.provider);
    if (!provider) errors.push(`${field}.provider: no provider named ${m.provider}`);
    else if (provider.type === 'anthropic' && m.kind === 'embeddings')
      errors.push(`${field}.kind: Anthropic has no embeddings API (provider ${m.provider})`);
  });
  models.forEach((m, i) => errors.push(...checkFallbacks(`spec.models[${i}].fallback`, m, byName)));
  if (errors.length > 0) return errors;
  models.forEach((m, i) => {
    const chain = fallbackChain(m, byName);
    if (!chain.ok) errors.push(`spec.models[${i}].fallback: a cycle: ${chain.cycle.join(' -> ')}`);
    else if (chain.names.length > MAX_TARGETS)
      errors.push(
        `spec.models[${i}].fallback: ${m.name} falls back through ${chain.names.length} models, at most ${MAX_TARGETS}`,
      );
  });
  return errors;
}

function checkFallbacks(field: string, m: ModelSpec, byName: ReadonlyMap<string, ModelSpec>): string[] {
  return m.fallback.flatMap((name, j) => {
    const other = byName.get(name);
    if (name === m.name) return [`${field}[${j}]: ${name} is the model itself`];
    if (!other) return [`${field}[${j}]: no model named ${name} in spec.models`];
    if (other.kind !== m.kind) return [`${field}[${j}]: ${name} is ${other.kind}, ${m.name} is ${m.kind}`];
    return [];
  });
}

type Chain = { ok: true; names: string[] } | { ok: false; cycle: string[] };

/**
 * The models a request for `m` tries, in order: m, then each fallback followed by its own fallbacks (depth first),
 * each once. A model reached again on the path that led to it is a cycle.
 */
export function fallbackChain(m: ModelSpec, byName: ReadonlyMap<string, ModelSpec>): Chain {
  const names: string[] = [];
  const visit = (model: ModelSpec, path: readonly string[]): string[] | undefined => {
    if (path.includes(model.name)) return [...path, model.name];
    // Off the path and seen: explored in full already (depth first), which keeps this linear, not exponential.
    if (names.includes(model.name)) return undefined;
    names.push(model.name);
    for (const next of model.fallback) {
      const other = byName.get(next);
      const cycle = other && visit(other, [...path, model.name]);
      if (cycle) return cycle;
    }
    return undefined;
  };
  const cycle = visit(m, []);
  return cycle ? { ok: false, cycle } : { ok: true, names };
}
