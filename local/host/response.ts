import type { Cookie, HttpResponseInit } from '@azure/functions';
import { serialize as serializeCookie } from 'cookie';
import { HttpResponse } from '../../shared/platform/sdk.js';

/** What the host writes to the socket for a function's HTTP result. */
export interface WireResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** Statuses that carry no body (the SDK drops one, as the fetch spec requires). */
const NULL_BODY_STATUSES = new Set([204, 205, 304]);

function cookieHeader(c: Cookie): string {
  return serializeCookie(c.name, c.value, {
    domain: c.domain,
    path: c.path,
    expires: typeof c.expires === 'number' ? new Date(c.expires) : c.expires,
    secure: c.secure,
    httpOnly: c.httpOnly,
    sameSite: c.sameSite?.toLowerCase() as 'strict' | 'lax' | 'none' | undefined,
    maxAge: c.maxAge,
  });
}

function wire(status: number, headers: Headers, cookies: Cookie[], body: Buffer): WireResponse {
  const out: Record<string, string | string[]> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  if (cookies.length > 0) out['set-cookie'] = cookies.map(cookieHeader);
  return { status, headers: out, body };
}

/**
 * Converts what a handler returned into the response the real host sends. Plain results with a
 * string, bytes or `jsonBody` (nearly every function) are converted directly, with the SDK's
 * rules (default 200; `jsonBody` adds `application/json`; a string adds `text/plain;charset=UTF-8`,
 * as `Response` does; no body on 204/205/304); anything else goes through the SDK's own
 * `HttpResponse`. test/unit/host/response.test.ts proves both paths agree.
 */
export async function toWireResponse(
  result: HttpResponseInit | HttpResponse | undefined,
): Promise<WireResponse> {
  const init = result ?? {};
  const body = (init as HttpResponseInit).body;
  const simpleBody =
    body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
  if (!(init instanceof HttpResponse) && simpleBody) {
    const status = init.status ?? 200;
    const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
    let bytes: Buffer = Buffer.alloc(0);
    if (!NULL_BODY_STATUSES.has(status)) {
      if (init.jsonBody !== undefined) {
        bytes = Buffer.from(JSON.stringify(init.jsonBody), 'utf8');
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      } else if (typeof body === 'string') {
        bytes = Buffer.from(body, 'utf8');
        if (!headers.has('content-type')) headers.set('content-type', 'text/plain;charset=UTF-8');
      } else if (body instanceof Uint8Array) {
        bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      }
    }
    return wire(status, headers, init.cookies ?? [], bytes);
  }
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  return wire(response.status, response.headers, response.cookies, Buffer.from(await response.arrayBuffer()));
}
