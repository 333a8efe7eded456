import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readGuide } from './guide-files.js';

/** docs/gateways/traefik.yml, checked without Traefik (ForwardAuth middleware reference). */
const source = readGuide('traefik.yml');
const forwardAuth = parse(source).http.middlewares['agw-validate'].forwardAuth;

describe('traefik.yml', () => {
  it('sends only the Authorization header to the validator, over verified TLS', () => {
    expect(forwardAuth.authRequestHeaders).toEqual(['Authorization']);
    expect(forwardAuth.address).toMatch(/^https:\/\/[^/]+\/api\/validate\/[\w-]+\?code=<function-key>$/);
    expect(forwardAuth.tls?.insecureSkipVerify).not.toBe(true);
    expect(forwardAuth).not.toHaveProperty('trustForwardHeader');
  });

  it('copies the validator X-AGW-* headers after stripping every client one (canonical names)', () => {
    const regex = new RegExp(forwardAuth.authResponseHeadersRegex);
    // Go's net/http canonicalises incoming names; Traefik matches those.
    for (const spoofed of [
      'X-Agw-Client_id',
      'X-Agw-Client-Id',
      'X-Agw-Userid',
      'X-Agw-User-Id',
      'X-Agw-User_id',
    ]) {
      expect(regex.test(spoofed), spoofed).toBe(true);
    }
    for (const kept of ['Authorization', 'X-Forwarded-For', 'Content-Type'])
      expect(regex.test(kept), kept).toBe(false);
  });

  it('describes the method ForwardAuth really uses', () => {
    expect(source).toMatch(/sends a GET/);
    expect(source).toContain('X-Forwarded-Method');
  });
});
