/**
 * A least-recently-used map bounded by entry count AND estimated bytes, whose entries also expire
 * at their own deadline. Map iteration order is insertion order, so the first key is the oldest.
 */
export interface LruOptions {
  maxEntries: number;
  maxBytes: number;
  clock: () => number;
}

interface Slot<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

export class BoundedLru<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #options: LruOptions;
  #bytes = 0;

  constructor(options: LruOptions) {
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
    if (!slot) return undefined;
    this.#slots.delete(key);
    if (this.#options.clock() >= slot.expiresAt) {
      this.#bytes -= slot.bytes;
      return undefined;
    }
    this.#slots.set(key, slot);
    return slot.value;
  }

  set(key: string, value: V, bytes: number, expiresAt: number): void {
    if (this.#options.maxEntries <= 0 || bytes > this.#options.maxBytes) return;
    if (expiresAt <= this.#options.clock()) return;
    this.delete(key);
    this.#slots.set(key, { value, bytes, expiresAt });
    this.#bytes += bytes;
    while (this.#slots.size > this.#options.maxEntries || this.#bytes > this.#options.maxBytes) {
      const oldest = this.#slots.keys().next();
      if (oldest.done) break;
      this.delete(oldest.value);
    }
  }

  delete(key: string): void {
    const slot = this.#slots.get(key);
    if (!slot) return;
    this.#slots.delete(key);
    this.#bytes -= slot.bytes;
  }
}
