import * as z from 'zod';
import { TokenError } from './errors.js';

/**
 * The body of `POST /api/token`: JSON (`{"scope": "...", "client": "..."}`) or a form
 * (`scope=...&client=...`), as a gateway would post to a token endpoint.
 */
export interface TokenRequest {
  scope: string;
  client?: string;
}

const CLIENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_SCOPE_LENGTH = 1024;

const bodySchema = z.object({
  scope: z
    .string({ error: 'scope is required' })
    .trim()
    .min(1, 'scope is required')
    .max(MAX_SCOPE_LENGTH, 'scope is too long'),
  client: z
    .string({ error: 'client must be a string' })
    .trim()
    .regex(CLIENT_NAME, 'client must be a configured client name')
    .optional(),
});

/** No whitespace anywhere, so a scope it matches is already trimmed and non-empty. */
const SINGLE_DEFAULT_SCOPE = /^[^\s,]+\/\.default$/;

/** The body's bytes as `request.text()` decodes them (fetch's UTF-8 decode: BOM dropped, bad bytes replaced). */
const utf8 = new TextDecoder();

/** A declared body length (RFC 9110 §8.6), or undefined when absent or not one plain number. */
function declaredLength(value: string | null): number | undefined {
  return value !== null && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * The request body as text, read from the SDK request's own `body` stream. Same text as
 * `HttpRequest.text()`, for a third of its cost (test/bench/token-body.bench.ts): `text()` goes
 * through the SDK's async wrapper and undici's full-body reader on every call, which was most of
 * the difference between a token hit and the host's no-op function. Once the bytes read equal the
 * declared Content-Length, the body is complete (HTTP framing: the host hands over exactly that
 * many), so the read that would only report the end is skipped; a missing or different length
 * reads to the end.
 */
export async function bodyText(request: {
  body: ReadableStream<Uint8Array> | null;
  headers: Headers;
}): Promise<string> {
  const body = request.body;
  if (body === null) return '';
  const declared = declaredLength(request.headers.get('content-length'));
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length !== declared) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    length += value.byteLength;
  }
  if (chunks.length === 0) return '';
  // One decode per body (never `stream: true` on the shared decoder: requests interleave).
  return utf8.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length));
}

function fromForm(text: string): Record<string, unknown> {
  const params = new URLSearchParams(text);
  const out: Record<string, unknown> = {};
  for (const key of ['scope', 'client']) {
    const values = params.getAll(key);
    if (values.length > 1) throw new TokenError('invalid_request', `${key} must appear once`);
    if (values.length === 1) out[key] = values[0];
  }
  return out;
}

function mediaType(contentType: string | null): string {
  if (contentType === 'application/json') return contentType;
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** The body as an object of fields: the content type, JSON syntax and shape checked; the fields not yet. */
export function bodyFields(contentType: string | null, text: string): Record<string, unknown> {
  const type = mediaType(contentType);
  let raw: unknown;
  if (type === 'application/x-www-form-urlencoded') {
    raw = fromForm(text);
  } else if (type === 'application/json' || type === '' || type.endsWith('+json')) {
    if (text.trim() === '')
      throw new TokenError('invalid_request', 'The request body is empty; send JSON or a form with scope');
    try {
      raw = JSON.parse(text);
    } catch {
      throw new TokenError('invalid_request', 'The request body is not valid JSON');
    }
  } else {
    throw new TokenError(
      'invalid_request',
      'Content-Type must be application/json or application/x-www-form-urlencoded',
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new TokenError('invalid_request', 'The request body must be a JSON object');
  }
  return raw as Record<string, unknown>;
}

/**
 * The fields of a well-formed request as they are (what nearly every gateway sends), without the
 * schema; undefined for anything else, which `validateFields` judges. What this accepts, the
 * schema accepts unchanged: a scope it matches has no whitespace to trim, nor does a client name.
 */
function wellFormed(fields: Record<string, unknown>): TokenRequest | undefined {
  const { scope, client } = fields;
  if (typeof scope !== 'string' || scope.length > MAX_SCOPE_LENGTH || !SINGLE_DEFAULT_SCOPE.test(scope))
    return undefined;
  if (client === undefined) return { scope };
  if (typeof client !== 'string' || !CLIENT_NAME.test(client)) return undefined;
  return { scope, client };
}

/** The schema's verdict on the fields: every problem in one `invalid_request`, or `invalid_scope`. */
export function validateFields(fields: Record<string, unknown>): TokenRequest {
  const parsed = bodySchema.safeParse(fields);
  if (!parsed.success) {
    throw new TokenError('invalid_request', parsed.error.issues.map((issue) => issue.message).join('; '));
  }
  const { scope, client } = parsed.data;
  if (!SINGLE_DEFAULT_SCOPE.test(scope)) {
    throw new TokenError(
      'invalid_scope',
      'scope must be one <resource>/.default scope (client credentials cannot ask for individual permissions)',
    );
  }
  return client === undefined ? { scope } : { scope, client };
}

export function parseTokenRequest(contentType: string | null, text: string): TokenRequest {
  const fields = bodyFields(contentType, text);
  return wellFormed(fields) ?? validateFields(fields);
}
