import { describe, expect, it } from 'vitest';
import { SecondChanceCache } from '../../../shared/validation/second-chance-cache.js';

describe('SecondChanceCache', () => {
  let now = 0;
  const clock = () => now;
  const contents = (cache: SecondChanceCache<string>, keys: string[]) =>
    keys.filter((key) => cache.get(key) !== undefined);

  it('evicts the oldest unreferenced entry first; a referenced one survives one sweep', () => {
    now = 0;
    const cache = new SecondChanceCache<string>({ maxEntries: 3, maxBytes: 1000, clock });
    cache.set('a', 'A', 10, 100);
    cache.set('b', 'B', 10, 100);
    cache.set('c', 'C', 10, 100);
    expect(cache.get('a')).toBe('A'); // a is referenced: its second chance
    cache.set('d', 'D', 10, 100);
    // The sweep passed over a (requeued, mark cleared) and dropped b, the oldest unreferenced.
    expect(cache.size).toBe(3);
    expect(cache.get('b')).toBeUndefined();
    cache.set('e', 'E', 10, 100); // queue: c, a, d: c is unreferenced and goes
    expect(cache.get('c')).toBeUndefined();
    // a's second chance is spent; neither it nor d was referenced since: a, the older, goes next.
    cache.set('f', 'F', 10, 100);
    expect(contents(cache, ['a', 'b', 'c', 'd', 'e', 'f'])).toEqual(['d', 'e', 'f']);
    expect([cache.size, cache.bytes]).toEqual([3, 30]);
  });

  it('keeps the bounds exact when every entry is referenced', () => {
    now = 0;
    const cache = new SecondChanceCache<string>({ maxEntries: 2, maxBytes: 1000, clock });
    cache.set('a', 'A', 10, 100);
    cache.set('b', 'B', 10, 100);
    cache.get('a');
    cache.get('b');
    cache.set('c', 'C', 10, 100); // a full sweep clears both marks, then a (the oldest) goes
    expect(contents(cache, ['a', 'b', 'c'])).toEqual(['b', 'c']);
    expect([cache.size, cache.bytes]).toEqual([2, 20]);
  });

  it('drops an expired entry in a sweep even when it was referenced', () => {
    now = 0;
    const cache = new SecondChanceCache<string>({ maxEntries: 2, maxBytes: 1000, clock });
    cache.set('short', 'S', 10, 50);
    cache.set('long', 'L', 10, 500);
    cache.get('short');
    cache.get('long');
    now = 60;
    cache.set('new', 'N', 10, 500);
    expect(contents(cache, ['short', 'long', 'new'])).toEqual(['long', 'new']);
    expect(cache.bytes).toBe(20);
  });

  it('evicts by bytes and refuses an entry larger than the cap', () => {
    now = 0;
    const cache = new SecondChanceCache<string>({ maxEntries: 100, maxBytes: 100, clock });
    cache.set('a', 'A', 60, 100);
    cache.set('b', 'B', 60, 100);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.bytes).toBe(60);
    cache.set('huge', 'H', 101, 100);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(60);
  });

  it('expires entries at their deadline and keeps the byte count exact', () => {
    now = 0;
    const cache = new SecondChanceCache<string>({ maxEntries: 10, maxBytes: 1000, clock });
    cache.set('a', 'A', 10, 50);
    cache.set('gone', 'G', 10, 0); // already expired: not stored
    expect(cache.size).toBe(1);
    now = 50;
    expect(cache.get('a')).toBeUndefined();
    expect([cache.size, cache.bytes]).toEqual([0, 0]);
    cache.set('b', 'B', 10, 100);
    cache.set('b', 'B2', 20, 100);
    expect([cache.get('b'), cache.bytes]).toEqual(['B2', 20]);
  });

  it('is disabled with maxEntries 0', () => {
    const cache = new SecondChanceCache<string>({ maxEntries: 0, maxBytes: 1000, clock });
    cache.set('a', 'A', 1, 1e12);
    expect(cache.get('a')).toBeUndefined();
  });
});
