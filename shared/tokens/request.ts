import { z } from 'zod';
import { TokenError } from './errors.js';

/**
 * The body of `POST /api/token`: JSON (`{"scope": "...", "client": "..."}`) or a form
 * (`scope=...&client=...`), as a gateway would post to a token endpoint.
 */
export interface TokenRequest {
  scope: string;
  client?: string;
}

const bodySchema = z.object({
  scope: z
    .string({ error: 'scope is required' })
    .trim()
    .min(1, 'scope is required')
    .max(1024, 'scope is too long'),
  client: z
    .string({ error: 'client must be a string' })
    .trim()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'client must be a configured client name')
    .optional(),
});

const SINGLE_DEFAULT_SCOPE = /^[^\s,]+\/\.default$/;

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

export function parseTokenRequest(contentType: string | null, text: string): TokenRequest {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
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
  const parsed = bodySchema.safeParse(raw);
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
