import { sortElements } from '../../../renderers/nft/elements.js';
import type { CompiledFirewall, FirewallDesired } from '../types.js';
import { assembleFirewall } from './assemble.js';
import { groupRules } from './groups.js';
import { IncrementalCompiler } from './incremental.js';

/** The one table the firewall owns (pure): a forward chain, and an input chain when some policy opts in. */
export function compileFirewall(desired: FirewallDesired): CompiledFirewall {
  return assembleFirewall(
    desired,
    (_, policy) => groupRules(policy.rules),
    (_, elements) => sortElements(elements),
  );
}

/**
 * Compiling 10,000 rules costs more than planning against them, and plan, verify and details all ask for the same
 * desired state (kept by identity by the reconcile machine): one compile per desired object, and each compile
 * reuses what the previous one worked out for the rules the edit left alone (incremental.ts).
 */
export function memoisedCompile(): (policy: FirewallDesired) => CompiledFirewall {
  const cache = new WeakMap<FirewallDesired, CompiledFirewall>();
  const incremental = new IncrementalCompiler();
  return (policy) => {
    const hit = cache.get(policy);
    if (hit) return hit;
    const result = incremental.compile(policy);
    cache.set(policy, result);
    return result;
  };
}
