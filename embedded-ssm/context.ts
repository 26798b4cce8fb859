import type { ValueCipher } from './crypto.js';
import type { ParameterStore } from './store.js';
import type { Caller } from './types.js';

/** Everything an operation handler needs for one request. */
export interface OpContext {
  store: ParameterStore;
  cipher: ValueCipher;
  caller: Caller;
  now: () => number;
}
