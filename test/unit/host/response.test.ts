import type { HttpResponseInit } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { toWireResponse } from '../../../local/host/response.js';
import { HttpResponse } from '../../../shared/platform/sdk.js';

/** The SDK's own conversion: the fast path must give the same status, headers (in any order) and body bytes. */
async function viaSdk(init: HttpResponseInit) {
  const response = new HttpResponse(init);
  return toWireResponse(response);
}

const cases: [string, HttpResponseInit][] = [
  ['empty', {}],
  ['string body', { body: 'hello ✓' }],
  ['string body with its own type', { body: '<p>x</p>', headers: { 'Content-Type': 'text/html' } }],
  ['bytes', { status: 201, body: new Uint8Array([1, 2, 3]) }],
  ['buffer slice', { body: Buffer.from('abcdef').subarray(2, 4) }],
  ['json', { jsonBody: { a: 1, b: ['x'] }, headers: { 'cache-control': 'no-store' } }],
  [
    'json with its own type',
    { jsonBody: { ok: true }, headers: { 'content-type': 'application/problem+json' } },
  ],
  ['json wins over body', { jsonBody: { j: 1 }, body: 'ignored' }],
  ['204 drops the body', { status: 204, body: 'ignored' }],
  ['304 drops json', { status: 304, jsonBody: { x: 1 } }],
  [
    'header tuples',
    {
      headers: [
        ['x-a', '1'],
        ['X-B', '2'],
      ] as [string, string][],
      body: '',
    },
  ],
  [
    'plain headers: names in any case, padded values, the same name twice',
    { headers: { 'X-B': ' 2\t', 'x-a': '1', 'X-A': '3', 'Cache-Control': 'no-store' }, jsonBody: {} },
  ],
  ['set-cookie among plain headers', { headers: { 'Set-Cookie': 'a=b' }, body: 'x' }],
  ['a Headers object', { headers: new Headers({ 'x-z': '1', 'content-type': 'text/csv' }), body: 'a,b' }],
  [
    'cookies',
    { cookies: [{ name: 's', value: 'v', httpOnly: true, sameSite: 'Lax', maxAge: 60 }], body: 'c' },
  ],
];

describe('host response conversion', () => {
  it.each(cases)('%s matches the SDK', async (_name, init) => {
    expect(await toWireResponse(init)).toEqual(await viaSdk(init));
  });

  it('refuses a header value Headers refuses, as the SDK does', async () => {
    for (const value of ['a\r\nb', 'caf\u2615']) {
      const init = { headers: { 'x-bad': value }, body: '' };
      await expect(viaSdk(init)).rejects.toThrow(TypeError);
      await expect(toWireResponse(init)).rejects.toThrow(TypeError);
    }
  });

  it('passes HttpResponse objects and other body types through the SDK', async () => {
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const wire = await toWireResponse({ body: stream as never, status: 202 });
    expect(wire.status).toBe(202);
    expect(wire.body.toString()).toBe('streamed');
    expect((await toWireResponse(undefined)).status).toBe(200);
  });
});
