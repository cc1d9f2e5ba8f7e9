/**
 * A Map for per-node caches whose keys come from outside (cookie values, Host headers, session ids):
 * past `max` entries it starts over rather than grow without bound.
 */
export class BoundedCache<K, V> extends Map<K, V> {
  constructor(private readonly max = 10_000) {
    super();
  }

  remember(key: K, value: V): V {
    if (this.size >= this.max && !this.has(key)) this.clear();
    this.set(key, value);
    return value;
  }
}
