/**
 * A map bounded by entry count AND estimated bytes, whose entries also expire at their own
 * deadline, evicting by second chance (CLOCK): a hit only marks its entry referenced; eviction
 * looks at the oldest entry and, if it was referenced since it was queued, clears the mark and
 * queues it again at the back instead of dropping it. Strict LRU reorders the map on every hit (a
 * delete and a set: about half the cost of a hit's lookup, measured); here an entry moves at most
 * once per sweep. The bounds are exact: every set evicts until both hold. Map iteration order is
 * insertion order, so the first key is the oldest in the queue.
 */
export interface CacheBounds {
  maxEntries: number;
  maxBytes: number;
  clock: () => number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
  referenced: boolean;
}

export class SecondChanceCache<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #options: CacheBounds;
  #bytes = 0;

  constructor(options: CacheBounds) {
    this.#options = options;
  }

  get size(): number {
    return this.#slots.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): V | undefined {
    const slot = this.#slots.get(key);
    if (slot === undefined) return undefined;
    if (this.#options.clock() >= slot.expiresAt) {
      this.#slots.delete(key);
      this.#bytes -= slot.bytes;
      return undefined;
    }
    slot.referenced = true;
    return slot.value;
  }

  set(key: string, value: V, bytes: number, expiresAt: number): void {
    const { maxEntries, maxBytes, clock } = this.#options;
    if (maxEntries <= 0 || bytes > maxBytes) return;
    const now = clock();
    if (expiresAt <= now) return;
    this.delete(key);
    // Room first, then the new entry, which is never the victim of its own sweep. Ends: each turn
    // drops an entry or clears a mark, and an empty map has room for any entry set accepts.
    while (this.#slots.size >= maxEntries || this.#bytes + bytes > maxBytes) {
      const oldest = this.#slots.entries().next();
      if (oldest.done) break;
      const [oldestKey, slot] = oldest.value;
      this.#slots.delete(oldestKey);
      if (slot.referenced && now < slot.expiresAt) {
        slot.referenced = false;
        this.#slots.set(oldestKey, slot);
      } else this.#bytes -= slot.bytes;
    }
    this.#slots.set(key, { value, bytes, expiresAt, referenced: false });
    this.#bytes += bytes;
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
  }
}
