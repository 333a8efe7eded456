import { describe, expect, it } from 'vitest';
import { compareRoutes, compileRoute, RouteTemplateError } from '../../../local/host/routes.js';

describe('route templates', () => {
  it.each([
    ['health', 'health', {}],
    ['health', 'HEALTH', {}],
    ['health', 'health/', {}],
    ['items/{id}', 'items/42', { id: '42' }],
    ['items/{id}', 'items/a%20b', { id: 'a b' }],
    ['items/{id:int}', 'items/-7', { id: '-7' }],
    ['validate/{policy?}', 'validate', {}],
    ['validate/{policy?}', 'validate/strict', { policy: 'strict' }],
    ['files/{*rest}', 'files/a/b/c.txt', { rest: 'a/b/c.txt' }],
    ['files/{*rest}', 'files', {}],
    ['a/{x}/b/{y?}', 'a/1/b', { x: '1' }],
    ['a/{x}/b/{y?}', 'a/1/b/2', { x: '1', y: '2' }],
    [
      'ids/{id:guid}',
      'ids/0f8fad5b-d9cb-469f-a165-70867728950e',
      { id: '0f8fad5b-d9cb-469f-a165-70867728950e' },
    ],
  ])('%s matches %s', (template, path, params) => {
    expect(compileRoute(template).match(path)).toEqual(params);
  });

  it.each([
    ['health', 'healthz'],
    ['health', 'health/extra'],
    ['items/{id}', 'items'],
    ['items/{id}', 'items/1/2'],
    ['items/{id:int}', 'items/abc'],
    ['ids/{id:guid}', 'ids/not-a-guid'],
    ['flags/{on:bool}', 'flags/maybe'],
    ['validate/{policy?}', 'validate/a/b'],
  ])('%s does not match %s', (template, path) => {
    expect(compileRoute(template).match(path)).toBeNull();
  });

  it.each([
    ['/leading'],
    ['trailing/'],
    ['a//b'],
    ['a/{x}/{x}'],
    ['{*rest}/tail'],
    ['{opt?}/literal'],
    ['{opt?}/{req}'],
    ['a/{unclosed'],
    ['a/x{y}'],
    ['a/{id:nope}'],
    ['a/../b'],
    ['a?b'],
  ])('rejects %s', (template) => {
    expect(() => compileRoute(template)).toThrow(RouteTemplateError);
  });

  it('orders literal before constrained before plain before optional before catch-all', () => {
    const templates = ['things/{*rest}', 'things/{id?}', 'things/{id}', 'things/{id:int}', 'things/special'];
    const sorted = templates
      .map(compileRoute)
      .sort(compareRoutes)
      .map((r) => r.template);
    expect(sorted).toEqual([
      'things/special',
      'things/{id:int}',
      'things/{id}',
      'things/{id?}',
      'things/{*rest}',
    ]);
  });

  it.each([
    ['Validate/{*policy}', 'validate'],
    ['things/{id}', 'things'],
    ['{id}/things', undefined],
    ['{*rest}', undefined],
  ])(
    "names %s's literal first segment, lower-cased, for the host to skip routes quickly",
    (template, first) => {
      expect(compileRoute(template).firstLiteral).toBe(first);
    },
  );
});
