import { MemoryStore } from './memory';
import { RedisStore, type RedisStoreOptions } from './redis';
import type { Store } from './types';

export type { Store, StreamEntry } from './types';
export { MemoryStore, type MemoryStoreOptions } from './memory';
export { RedisStore, type RedisStoreOptions } from './redis';
export { StoreUnavailableError } from './errors';

export type StoreOptions = { kind: 'memory' } | ({ kind: 'redis' } & RedisStoreOptions);

export function createStore(opts: StoreOptions): Store {
  if (opts.kind === 'memory') return new MemoryStore();
  const { kind: _kind, ...redis } = opts;
  return new RedisStore(redis);
}
