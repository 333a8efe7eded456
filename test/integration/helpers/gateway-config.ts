/**
 * Filling in a shipped gateway guide: each placeholder must still be in the guide (so a renamed
 * placeholder fails the test instead of silently testing something else), and is replaced
 * everywhere it appears.
 */
export function substitute(template: string, pairs: Array<[placeholder: string, value: string]>): string {
  let out = template;
  for (const [placeholder, value] of pairs) {
    if (!out.includes(placeholder)) throw new Error(`the guide no longer contains ${placeholder}`);
    out = out.replaceAll(placeholder, value);
  }
  return out;
}

/**
 * Identity headers a client might send to impersonate someone: both spellings (`-` and `_`) of
 * the validator's names and of the hyphen-only names. Hyphen and underscore are different header
 * names to nginx and Caddy, and the same to many backend frameworks.
 */
export const SPOOFED_IDENTITY: Record<string, string> = {
  'x-agw-client_id': 'spoofed-client-underscore',
  'x-agw-client-id': 'spoofed-client-hyphen',
  'x-agw-userid': 'spoofed-user',
  'x-agw-user_id': 'spoofed-user-underscore',
  'x-agw-user-id': 'spoofed-user-hyphen',
};
