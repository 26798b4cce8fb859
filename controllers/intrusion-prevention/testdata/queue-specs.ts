import type { QueueSpec } from '../types.js';

/** Every forwarded packet, two queues, fail open. */
export const ALL_TRAFFIC: QueueSpec = { selectors: [], first: 0, count: 2, bypass: true };

/** Two selectors (one expanding to a rule per source), one queue, fail closed. */
export const NARROW: QueueSpec = {
  selectors: [
    { sources: ['10.0.0.0/16', '10.9.0.0/16'], destinations: [], protocol: 'tcp', ports: ['80', '8000-8080'] },
    { sources: [], destinations: ['192.0.2.0/24'], protocol: 'any', ports: [] },
  ],
  first: 4,
  count: 1,
  bypass: false,
};
