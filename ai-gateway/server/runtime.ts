import { redactSecrets } from '../audit/record.js';
import type { AiGatewayConfig, GatewayKeyConfig, LocalModelConfig, ModelConfig, ProviderConfig } from '../config.js';
import { PREFIX_ROUTES, RESERVED_PREFIX } from '../config.js';
import { LocalProvider } from '../local/provider.js';
import type { LocalRoute } from '../local/overflow.js';
import type { LocalModels } from '../local/registry.js';
import type { Provider } from '../providers/provider.js';
import type { ResolvedTarget } from './dispatch.js';
import type { ClientError } from './respond.js';
import { once } from '../once.js';

export type ProviderFactory = (config: ProviderConfig, limits: { connectTimeoutMs: number }) => Provider;

/** A resolved model: what clients asked for, and the targets to try in order. */
export interface Route {
  requested: string;
  /** What metrics and usage group it by: the table's model name, or the prefix route (`openai/*`). */
  label: string;
  /** `any` for a prefix route: the client's call says what it is. */
  kind: 'chat' | 'embeddings' | 'any';
  targets: ResolvedTarget[];
  /** A local model: its server and overflow policy (targets then holds the local target only). */
  local?: LocalRoute;
}

/**
 * One config revision, live: providers (with their connection pools), models and keys. A reload builds a new one;
 * requests keep the one they started with, so a stream in flight finishes on the old config, whose pools close once
 * its last request ends.
 */
export class GatewayRuntime {
  readonly providers: ReadonlyMap<string, Provider>;
  private readonly models: ReadonlyMap<string, ModelConfig>;
  private readonly localRoutes: ReadonlyMap<string, Route>;
  private readonly keys: ReadonlyMap<string, GatewayKeyConfig>;
  /** The provider keys of this revision: what an error passed on to a client is cleaned of. */
  readonly secrets: readonly string[];
  private inFlight = 0;
  private retired = false;

  constructor(
    readonly config: AiGatewayConfig,
    readonly hash: string,
    factory: ProviderFactory,
    locals?: LocalModels,
  ) {
    const providers = new Map<string, Provider>(config.providers.map((p) => [p.name, factory(p, config.limits)]));
    for (const l of config.localModels) providers.set(l.name, new LocalProvider(l, config.limits));
    this.providers = providers;
    this.models = new Map(config.models.map((m) => [m.name, m]));
    this.keys = new Map(config.auth.mode === 'keys' ? config.auth.keys.map((k) => [k.sha256, k]) : []);
    this.secrets = config.providers.flatMap((p) => (p.apiKey ? [p.apiKey] : []));
    locals?.sync(config.localModels);
    this.localRoutes = new Map(config.localModels.flatMap((l) => this.localRoute(l, locals)));
  }

  /** A local model's route: its server (free, and never a fallback's price), capacity, policy and fallback targets. */
  private localRoute(l: LocalModelConfig, locals: LocalModels | undefined): [string, Route][] {
    const capacity = locals?.capacity(l.name);
    const instance = this.providers.get(l.name);
    if (!capacity || !instance) return [];
    const target: ResolvedTarget = { provider: l.name, model: l.servedName, price: FREE, instance };
    const fallback = (l.overflow.fallback?.targets ?? []).flatMap((t) => this.target(t));
    const local: LocalRoute = { target, capacity, overflow: l.overflow, fallback };
    return [[l.name, { requested: l.name, label: l.name, kind: l.kind, targets: [target], local }]];
  }

  keyByHash(sha256: string): GatewayKeyConfig | undefined {
    return this.keys.get(sha256);
  }

  /** A local model, the model table's entry, else a prefix route (`openai/gpt-4o` → the first provider of type openai). */
  route(requested: string): Route | ClientError {
    // `local/…` is the local server's, or nothing: a table entry of that name (refused by the controller, possible in
    // a hand-written file) never sends a local model's prompts elsewhere.
    if (requested.startsWith(RESERVED_PREFIX))
      return (
        this.localRoutes.get(requested) ??
        notFound(`The model '${requested}' does not exist: no local model of that name serves here.`)
      );
    const model = this.models.get(requested);
    if (model)
      return { requested, label: requested, kind: model.kind, targets: model.targets.flatMap((t) => this.target(t)) };
    const prefix = Object.keys(PREFIX_ROUTES).find((p) => requested.startsWith(p));
    const upstreamModel = prefix ? requested.slice(prefix.length) : '';
    if (!prefix || !upstreamModel)
      return notFound(`The model '${requested}' does not exist or you do not have access to it.`);
    const provider = this.config.providers.find((p) => p.type === PREFIX_ROUTES[prefix]);
    if (!provider)
      return notFound(
        `The model '${requested}' needs a provider of type ${PREFIX_ROUTES[prefix]}: none is configured.`,
      );
    const target = { provider: provider.name, model: upstreamModel, price: this.priceOf(provider.name, upstreamModel) };
    return { requested, label: `${prefix}*`, kind: 'any', targets: this.target(target) };
  }

  /** A prefix route is priced as the table prices the same upstream model, else 0 (unpriced). */
  private priceOf(provider: string, model: string): ModelConfig['targets'][number]['price'] {
    for (const m of this.models.values())
      for (const t of m.targets) if (t.provider === provider && t.model === model) return t.price;
    return { input: 0, output: 0, cachedInput: 0 };
  }

  /** The text without any provider key of this revision (an upstream's error message may quote it). */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** The model table, then the local models (their only target is their server). */
  listModels(): Pick<ModelConfig, 'name' | 'targets'>[] {
    return [
      ...this.models.values(),
      ...[...this.localRoutes.values()].map((r) => ({ name: r.label, targets: r.targets })),
    ];
  }

  /** Counts a request against this revision until `release`. */
  enter(): () => void {
    this.inFlight++;
    return once(() => {
      this.inFlight--;
      if (this.retired && this.inFlight === 0) this.closeProviders();
    });
  }

  /** Replaced by a newer revision: pools close when the last request on this one ends. */
  retire(): void {
    this.retired = true;
    if (this.inFlight === 0) this.closeProviders();
  }

  get active(): number {
    return this.inFlight;
  }

  private target(t: ModelConfig['targets'][number]): ResolvedTarget[] {
    const instance = this.providers.get(t.provider);
    return instance ? [{ ...t, instance }] : [];
  }

  private closeProviders(): void {
    for (const p of this.providers.values()) p.close();
  }
}

/** Local inference is billed by the instance, not per token. */
const FREE = { input: 0, output: 0, cachedInput: 0 };

function notFound(message: string): ClientError {
  return { status: 404, type: 'invalid_request_error', code: 'model_not_found', message, param: 'model' };
}
