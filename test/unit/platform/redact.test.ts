import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/platform/log.js';
import { redact, redactText } from '../../../shared/platform/redact.js';

const jwt =
  'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJhcGk6Ly9kZW1vIiwiaWF0IjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmU';
const privateKey = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

describe('redaction', () => {
  it.each([
    ['a JWT', `token was ${jwt} ok`, jwt],
    ['a bearer header', 'Authorization: Bearer abcdefghijklmnop123', 'abcdefghijklmnop123'],
    [
      'a client secret in a form body',
      'grant_type=client_credentials&client_secret=s3cr3t~value&scope=x',
      's3cr3t~value',
    ],
    [
      'a storage account key',
      'AccountName=dev;AccountKey=Eby8vdM02xNOcqFlq==;BlobEndpoint=x',
      'Eby8vdM02xNOcqFlq==',
    ],
    ['a SAS signature', 'https://a.blob.core.windows.net/c?sv=1&sig=AbCdEf%2B123', 'AbCdEf%2B123'],
    ['a function key', 'GET /api/token?code=functionKeyValue123', 'functionKeyValue123'],
    ['a PEM private key', `key:\n${privateKey}`, privateKey.split('\n')[1] ?? 'MII'],
    ['a JSON secret', '{"secretText":"p@ss-W0rd","keyId":"1"}', 'p@ss-W0rd'],
  ])('removes %s', (_what, input, secret) => {
    const out = redactText(input);
    expect(out).not.toContain(secret);
    expect(out).toContain('[REDACTED]');
  });

  it('keeps ordinary text', () => {
    expect(redactText('client default acquired scope api://demo/.default in 12 ms')).toBe(
      'client default acquired scope api://demo/.default in 12 ms',
    );
  });

  it('redacts objects by key name and nested errors by message and stack', () => {
    const error = new Error(`IdP said no for assertion ${jwt}`);
    const out = JSON.stringify(
      redact({
        client_secret: 'plain',
        nested: { authorization: 'Basic xyz', error },
        scope: 'api://x/.default',
      }),
    );
    expect(out).not.toContain('plain');
    expect(out).not.toContain('xyz');
    expect(out).not.toContain(jwt);
    expect(out).toContain('api://x/.default');
  });

  it('the logger never writes what redact removes', () => {
    const lines: string[] = [];
    const logger = createLogger((_level, line) => lines.push(line));
    // The key also goes under a name that is not sensitive, so only the PEM pattern can catch it.
    logger.info(`got ${jwt}`, {
      access_token: jwt,
      detail: `client_secret=abc123xyz`,
      privateKey,
      pem: privateKey,
    });
    logger.warn(`loaded ${privateKey}`);
    const all = lines.join('\n');
    expect(all).not.toContain(jwt);
    expect(all).not.toContain('abc123xyz');
    // Each base64 line of the key, as it would appear even inside JSON (where newlines become \n).
    const body = privateKey.split('\n').filter((line) => line.length > 0 && !line.startsWith('-----'));
    expect(body.length).toBeGreaterThan(5);
    for (const line of body) expect(all).not.toContain(line);
  });

  it('keeps error codes (OAuth, AADSTS, ours) but redacts an authorization code under the same key', () => {
    const lines: string[] = [];
    const logger = createLogger((_level, line) => lines.push(line));
    logger.warn('Token request failed', { code: 'invalid_scope', aadsts: 700027 });
    logger.warn('Key Vault said no', { error: { code: 'AADSTS700027' }, status: { code: 429 } });
    const authorizationCode = '0.AXoA5f-3kVcE3kSmTAkX_l8NQ2wZ0oZzZtJNpXhQ2bF7.AgABAAIAAAD';
    logger.info('callback', { code: authorizationCode, authorization_code: 'abcdefXYZ' });
    const all = lines.join('\n');
    expect(all).toContain('"code":"invalid_scope"');
    expect(all).toContain('"code":"AADSTS700027"');
    expect(all).toContain('"code":429');
    expect(all).not.toContain(authorizationCode);
    expect(all).not.toContain('abcdefXYZ');
  });
});
