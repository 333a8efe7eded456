import type { ServerResponse } from 'node:http';
import type { Cookie, HttpResponseInit } from '@azure/functions';
import { serialize as serializeCookie } from 'cookie';
import { problemResponse, titleFor } from '../../shared/platform/problem.js';
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

function wire(
  status: number,
  headers: Headers | Record<string, string>,
  cookies: Cookie[],
  body: Buffer,
): WireResponse {
  // A plain record is already normalised (plainHeaders); the order of header fields carries no meaning.
  const out: Record<string, string | string[]> =
    headers instanceof Headers ? Object.fromEntries(headers) : headers;
  if (cookies.length > 0) out['set-cookie'] = cookies.map(cookieHeader);
  return { status, headers: out, body };
}

const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Headers accepts as a value: a byte string without NUL, CR or LF. */
const HEADER_VALUE = /^[^\0\r\n\u0100-\uffff]*$/;
const HTTP_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;
const isHttpWhitespace = (text: string, index: number) => {
  const code = text.charCodeAt(index);
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
};

/**
 * A plain record of string headers (what nearly every function returns), normalised as Headers
 * does: lower-case names, values trimmed of HTTP whitespace, same-name values joined with ", ".
 * Undefined for anything else (tuples, Headers, invalid names or values, set-cookie), which goes
 * through Headers itself; building one costs a few microseconds per header on every response.
 */
function plainHeaders(init: HttpResponseInit['headers']): Record<string, string> | undefined {
  if (init === undefined) return {};
  if (typeof init !== 'object' || init === null || Object.getPrototypeOf(init) !== Object.prototype) {
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(init)) {
    if (typeof value !== 'string' || !HEADER_NAME.test(name) || !HEADER_VALUE.test(value)) return undefined;
    const key = name.toLowerCase();
    if (key === 'set-cookie') return undefined;
    const padded = value !== '' && (isHttpWhitespace(value, 0) || isHttpWhitespace(value, value.length - 1));
    const trimmed = padded ? value.replace(HTTP_WHITESPACE, '') : value;
    out[key] = out[key] === undefined ? trimmed : `${out[key]}, ${trimmed}`;
  }
  return out;
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
    const headers =
      plainHeaders(init.headers) ?? new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
    const setDefault = (name: string, value: string) => {
      if (headers instanceof Headers) {
        if (!headers.has(name)) headers.set(name, value);
      } else headers[name] ??= value;
    };
    let bytes: Buffer = Buffer.alloc(0);
    if (!NULL_BODY_STATUSES.has(status)) {
      if (init.jsonBody !== undefined) {
        bytes = Buffer.from(JSON.stringify(init.jsonBody), 'utf8');
        setDefault('content-type', 'application/json');
      } else if (typeof body === 'string') {
        bytes = Buffer.from(body, 'utf8');
        setDefault('content-type', 'text/plain;charset=UTF-8');
      } else if (body instanceof Uint8Array) {
        bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
      }
    }
    return wire(status, headers, init.cookies ?? [], bytes);
  }
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  return wire(response.status, response.headers, response.cookies, Buffer.from(await response.arrayBuffer()));
}

/**
 * Writes a function's result, or the host's own answer, to the socket. The body is fully buffered,
 * so it goes out with Content-Length, as the Functions host sends buffered responses, rather than
 * chunked transfer encoding.
 */
export async function writeResponse(
  res: ServerResponse,
  result: HttpResponseInit | HttpResponse | undefined,
): Promise<void> {
  const { status, headers, body } = await toWireResponse(result);
  if (status !== 204 && status !== 304) headers['content-length'] = String(body.length);
  res.writeHead(status, headers);
  res.end(body);
}

/** The host's own errors: RFC 9457 problem details, built by the product's `problemResponse`. */
export function sendProblem(
  res: ServerResponse,
  status: number,
  detail: string,
  headers: Record<string, string> = {},
): Promise<void> {
  return writeResponse(res, problemResponse({ title: titleFor(status), status, detail }, headers));
}
