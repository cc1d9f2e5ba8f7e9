/** One seat's expiry as queued: stale once its holder renewed or released (the holder's map says). */
interface Queued {
  at: number;
  holder: string;
}

/**
 * Seat expiries, earliest first (a binary min-heap), so a semaphore drops its expired seats without
 * walking all of them. A push is O(log n) at worst and O(1) when expiries come in order (seats renewed
 * with the same TTL). Renewals leave stale entries behind; `compact` rebuilds from the live ones in O(n)
 * when those are outnumbered, once per n pushes at most, which keeps memory in proportion.
 */
export class ExpiryQueue {
  private heap: Queued[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(at: number, holder: string): void {
    const heap = this.heap;
    heap.push({ at, holder });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.at <= heap[i]!.at) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** Removes and yields every entry due at `now` (at <= now), earliest first. */
  *due(now: number): Generator<Queued> {
    while (this.heap.length > 0 && this.heap[0]!.at <= now) yield this.pop();
  }

  /** Rebuild from the live seats (holder → expiry) when stale entries make up most of the queue. */
  compact(live: ReadonlyMap<string, number>): void {
    if (this.heap.length <= 2 * live.size + 64) return;
    const heap: Queued[] = [];
    for (const [holder, at] of live) heap.push({ at, holder });
    this.heap = heap;
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) this.siftDown(i); // Floyd's heap construction, O(n)
  }

  private pop(): Queued {
    const heap = this.heap;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.siftDown(0);
    }
    return top;
  }

  /** Moves entry i down until neither child is earlier. */
  private siftDown(i: number): void {
    const heap = this.heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let smallest = i;
      if (left < heap.length && heap[left]!.at < heap[smallest]!.at) smallest = left;
      if (right < heap.length && heap[right]!.at < heap[smallest]!.at) smallest = right;
      if (smallest === i) return;
      [heap[smallest], heap[i]] = [heap[i]!, heap[smallest]!];
      i = smallest;
    }
  }
}
