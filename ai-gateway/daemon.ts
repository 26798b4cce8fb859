import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { DRAIN_MS, restartKey, type AiGatewayConfig } from './config.js';
import { loadConfig } from './load-config.js';
import { LocalModels } from './local/registry.js';
import { createProvider } from './providers/index.js';
import { createAdminServer } from './server/admin.js';
import { GatewayServer } from './server/gateway.js';
import { KeyLimiter } from './server/limits.js';
import { GatewayRuntime } from './server/runtime.js';
import { ProviderHealth, RequestRate } from './server/stats.js';
import { gatewayStatus } from './server/status.js';
import { openServices, type Services } from './services.js';

export interface RunningGateway {
  /** Re-reads the config file: a valid one swaps in for new requests, an invalid one is logged and ignored. */
  reload(): Promise<void>;
  /** Stops accepting, lets requests in flight finish (up to the drain time), then flushes counters and logs. */
  stop(): Promise<void>;
  listening: { host: string; port: number };
  adminPort: number;
}

/** Starts the data plane from its config file: services first, then the admin port, then the client port. */
export async function startGateway(configPath: string, log: Logger): Promise<RunningGateway> {
  const loaded = await loadConfig(configPath);
  if (!loaded.ok) throw new Error(`invalid config ${configPath}: ${loaded.errors.join('; ')}`);
  const { config } = loaded;
  const services = await openServices(config, log);
  const health = new ProviderHealth();
  const rate = new RequestRate();
  const locals = new LocalModels();
  const gateway = new GatewayServer(new GatewayRuntime(config, loaded.hash, createProvider, locals), {
    cache: services.chatCache,
    ...(services.semantic ? { semantic: services.semantic } : {}),
    limiter: new KeyLimiter(),
    sink: services.sink,
    health,
    rate,
    log,
  });
  const admin = createAdminServer({
    healthy: () => ({ ok: gateway.server.listening, message: gateway.server.listening ? 'serving' : 'not listening' }),
    status: () => gatewayStatus(gateway.current, services, health, rate, locals),
    metrics: services.registry,
    usage: (since, by) => services.ledger.query({ since, by }),
  });
  const reloads: ReloadContext = { path: configPath, gateway, first: config, services, locals, log, masked: new Set() };
  let reloading = Promise.resolve();
  await listen(admin, config.admin);
  await listen(gateway.server, config.listen);
  const port = (gateway.server.address() as AddressInfo).port;
  log.info(
    {
      listen: `${config.listen.host}:${port}`,
      admin: `${config.admin.host}:${config.admin.port}`,
      revision: loaded.hash,
    },
    'AI gateway serving',
  );
  return {
    listening: { host: config.listen.host, port },
    adminPort: (admin.address() as AddressInfo).port,
    // One reload at a time: two SIGHUPs in a row never swap the older file in last.
    reload: () => {
      const run = reloading.then(() => reload(reloads));
      // A reload that failed is logged by its caller; the next one still runs.
      reloading = run.catch(() => undefined);
      return run;
    },
    stop: () => stop(gateway, admin, services, log).finally(() => locals.close()),
  };
}

interface ReloadContext {
  path: string;
  gateway: GatewayServer;
  first: AiGatewayConfig;
  services: Services;
  locals: LocalModels;
  log: Logger;
  /** Every provider key any revision of this process held: requests on an older one still write audit lines. */
  masked: Set<string>;
}

async function reload(ctx: ReloadContext): Promise<void> {
  const { log } = ctx;
  const loaded = await loadConfig(ctx.path);
  if (!loaded.ok) return void log.error({ errors: loaded.errors }, 'reload refused: the running config keeps serving');
  if (restartKey(loaded.config) !== restartKey(ctx.first))
    return void log.warn('reload refused: listen, admin or storage paths changed, which needs a restart');
  for (const c of [ctx.first, loaded.config]) for (const p of c.providers) if (p.apiKey) ctx.masked.add(p.apiKey);
  ctx.services.setSecrets([...ctx.masked]);
  let next: GatewayRuntime;
  try {
    next = new GatewayRuntime(loaded.config, loaded.hash, createProvider, ctx.locals);
  } catch (err) {
    return void log.error({ err }, 'reload refused: a provider could not be built; the running config keeps serving');
  }
  ctx.gateway.swap(next);
  log.info({ revision: loaded.hash }, 'AI gateway reloaded: new requests use the new config');
}

async function stop(gateway: GatewayServer, admin: Server, services: Services, log: Logger): Promise<void> {
  gateway.server.close();
  gateway.server.closeIdleConnections();
  const deadline = Date.now() + DRAIN_MS;
  while (gateway.active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  gateway.server.closeAllConnections();
  // Its upstream pools (and the Bedrock client's) close once its last request ended.
  gateway.current.retire();
  admin.close();
  await services.close();
  log.info('AI gateway stopped');
}

function listen(server: Server, at: { host: string; port: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port, at.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
