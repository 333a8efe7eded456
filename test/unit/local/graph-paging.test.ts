import { describe, expect, it } from 'vitest';
import { GraphError } from '../../../local/graph/errors.js';
import { decodeToken, encodeToken, pageOf } from '../../../local/graph/paging.js';

describe('page tokens', () => {
  it.each([{}, { after: 'b' }, { after: 'x', since: 0, until: 7 }, { since: 3 }])(
    'round-trips %j',
    (token) => {
      const raw = encodeToken(token);
      expect(raw).toMatch(/^[A-Za-z0-9_-]+$/); // safe in a link the client follows verbatim
      expect(decodeToken(raw)).toEqual(token);
    },
  );

  it.each([
    'not base64url!',
    Buffer.from('[1]').toString('base64url'),
    Buffer.from('"x"').toString('base64url'),
    Buffer.from('{"after":5}').toString('base64url'),
    Buffer.from('{"since":-1}').toString('base64url'),
    Buffer.from('{"until":1.5}').toString('base64url'),
    Buffer.from('{oops').toString('base64url'),
  ])('refuses %j with 400', (raw) => {
    try {
      decodeToken(raw);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(GraphError);
      expect((error as GraphError).status).toBe(400);
    }
  });
});

describe('pageOf', () => {
  const items = ['d', 'a', 'C', 'b', 'e'];
  const key = (s: string) => s;

  it('pages in key order (case-insensitive) and names the last key while more follow', () => {
    expect(pageOf(items, key, 2)).toEqual({ items: ['a', 'b'], next: 'b' });
    expect(pageOf(items, key, 2, 'b')).toEqual({ items: ['C', 'd'], next: 'd' });
    expect(pageOf(items, key, 2, 'd')).toEqual({ items: ['e'] });
  });

  it('has no next key when the page ends exactly at the last item', () => {
    expect(pageOf(items, key, 5)).toEqual({ items: ['a', 'b', 'C', 'd', 'e'] });
    expect(pageOf(items, key, 3, 'b')).toEqual({ items: ['C', 'd', 'e'] });
  });

  it('neither skips nor repeats items inserted or removed between pages', () => {
    const first = pageOf(items, key, 2);
    const changed = [...items.filter((s) => s !== 'a'), 'aa', 'ca'];
    const second = pageOf(changed, key, 10, first.next);
    expect(second.items).toEqual(['C', 'ca', 'd', 'e']);
  });
});
