import { describe, expect, it } from 'vitest';
import { BoundedLru } from '../../../shared/validation/lru.js';

describe('BoundedLru', () => {
  let now = 0;
  const clock = () => now;

  it('evicts the least recently used entry beyond maxEntries', () => {
    const lru = new BoundedLru<string>({ maxEntries: 2, maxBytes: 1000, clock });
    lru.set('a', 'A', 10, 100);
    lru.set('b', 'B', 10, 100);
    expect(lru.get('a')).toBe('A'); // a is now the most recent
    lru.set('c', 'C', 10, 100);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['A', undefined, 'C']);
    expect(lru.size).toBe(2);
  });

  it('evicts by bytes and refuses an entry larger than the cap', () => {
    const lru = new BoundedLru<string>({ maxEntries: 100, maxBytes: 100, clock });
    lru.set('a', 'A', 60, 100);
    lru.set('b', 'B', 60, 100);
    expect(lru.get('a')).toBeUndefined();
    expect(lru.bytes).toBe(60);
    lru.set('huge', 'H', 101, 100);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.bytes).toBe(60);
  });

  it('expires entries at their deadline and keeps the byte count exact', () => {
    now = 0;
    const lru = new BoundedLru<string>({ maxEntries: 10, maxBytes: 1000, clock });
    lru.set('a', 'A', 10, 50);
    lru.set('gone', 'G', 10, 0); // already expired: not stored
    expect(lru.size).toBe(1);
    now = 50;
    expect(lru.get('a')).toBeUndefined();
    expect([lru.size, lru.bytes]).toEqual([0, 0]);
    lru.set('b', 'B', 10, 100);
    lru.set('b', 'B2', 20, 100);
    expect([lru.get('b'), lru.bytes]).toEqual(['B2', 20]);
  });

  it('is disabled with maxEntries 0', () => {
    const lru = new BoundedLru<string>({ maxEntries: 0, maxBytes: 1000, clock });
    lru.set('a', 'A', 1, 1e12);
    expect(lru.get('a')).toBeUndefined();
  });
});
