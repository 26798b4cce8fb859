import type { Registry } from 'prom-client';
import type { KindDefinition } from '../../crds-equivalent/index.js';
import type { DesiredPoller } from '../desired-poller.js';
import type { PollingDesiredSource } from '../desired-source.js';
import type { Logger } from '../logger.js';
import type { GatewayPaths } from '../paths.js';
import { ChangeFeed } from './feed.js';
import { ChangeFeedMetrics } from './metrics.js';
import type { ChangeQueuePort } from './ports.js';
import type { FeedState, WatcherTiming } from './watcher.js';

export interface ChangeFeedConfig {
  paths: GatewayPaths;
  /** The fallback: full lists while push is not in force. */
  pollIntervalMs: number;
  staleAfterMs: number;
  /** While change events flow (push healthy) the full list is only a safety net: this interval and bound apply. */
  push: { pollIntervalMs: number; staleAfterMs: number; watcher: WatcherTiming };
}

export interface ChangeFeedParts {
  kinds: readonly KindDefinition[];
  source: PollingDesiredSource;
  poller: DesiredPoller;
  queue: ChangeQueuePort;
  registry: Registry;
  logger: Logger;
  onState(state: FeedState): void;
}

/** The operator's change feed: hints from the queue, full lists at the interval push or its absence calls for. */
export function createChangeFeed(config: ChangeFeedConfig, parts: ChangeFeedParts): ChangeFeed {
  const { push, pollIntervalMs, staleAfterMs } = config;
  return new ChangeFeed({
    paths: config.paths,
    kinds: parts.kinds,
    source: parts.source,
    poller: parts.poller,
    queue: parts.queue,
    metrics: new ChangeFeedMetrics(parts.registry),
    timing: {
      // A failed list is retried at the fallback interval: the long one is for a store that answers.
      push: {
        pollIntervalMs: push.pollIntervalMs,
        staleAfterMs: push.staleAfterMs,
        retryAfterFailureMs: pollIntervalMs,
      },
      polling: { pollIntervalMs, staleAfterMs },
      watcher: push.watcher,
      coalesceMs: 5,
      rereadTimeoutMs: staleAfterMs,
    },
    onState: (state) => parts.onState(state),
    onError: (what, err) => parts.logger.warn({ err: { name: err.name, message: err.message } }, what),
  });
}
