/**
 * The one redaction function. Everything the product logs passes through it, so tokens, secrets and
 * private keys never reach a log sink even when they hide inside an error message or a URL.
 */
const REDACTED = '[REDACTED]';

const patterns: RegExp[] = [
  // PEM blocks: private keys, certificates with keys, encrypted keys.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g,
  // JWS / JWE compact serialisations (tokens, client assertions): base64url header starting with {".
  /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*(\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)?/g,
  // Authorization header values.
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  // key=value secrets in query strings, form bodies and connection strings.
  /\b(client_secret|client_assertion|access_token|refresh_token|id_token|assertion|password|pwd|code|sig|AccountKey|SharedAccessKey|secret)=([^&;\s"']+)/gi,
  // JSON-ish "secret": "value" pairs.
  /"(client_secret|client_assertion|access_token|refresh_token|id_token|password|secretText|secret|value|privateKey|key)"\s*:\s*"[^"]*"/gi,
];

export function redactText(text: string): string {
  let out = text;
  for (const pattern of patterns) {
    out = out.replace(pattern, (match, g1: unknown) => {
      if (match.startsWith('"')) return `"${String(g1)}":"${REDACTED}"`;
      if (typeof g1 === 'string' && /^(bearer|basic)$/i.test(g1)) return `${g1} ${REDACTED}`;
      if (typeof g1 === 'string' && match.includes('=')) return `${g1}=${REDACTED}`;
      return REDACTED;
    });
  }
  return out;
}

const SENSITIVE_KEYS =
  /^(client_?secret|client_?assertion|access_?token|refresh_?token|id_?token|assertion|password|pwd|secret|secret_?text|private_?key|key_?material|authorization|x-functions-key|authorization_?code|auth_?code|code_?verifier|cookie|set-cookie)$/i;

/**
 * `code` names both an OAuth authorization code (a secret) and an error code (`invalid_scope`,
 * `AADSTS700027`, `CredentialConfiguration`), which operators need in the log. Error codes are
 * short identifiers; an authorization code never is (Entra's are long, with dots and dashes).
 */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const isSecretCode = (key: string, value: unknown): boolean =>
  key.toLowerCase() === 'code' &&
  !(typeof value === 'number' || (typeof value === 'string' && ERROR_CODE.test(value)));

/** Redacts any value: strings by pattern, objects by key name and then by pattern, errors by message and stack. */
export function redact(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth > 6) return '[Truncated]';
  if (value instanceof Error) {
    const out: Record<string, unknown> = { name: value.name, message: redactText(value.message) };
    if (value.stack) out.stack = redactText(value.stack);
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const sensitive = SENSITIVE_KEYS.test(key) || isSecretCode(key, item);
    out[key] = sensitive && item !== undefined && item !== null ? REDACTED : redact(item, depth + 1);
  }
  return out;
}
