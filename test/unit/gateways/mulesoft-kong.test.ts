import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { codeBlocks, descendants, parseStrictXml, readGuide } from './guide-files.js';

/** docs/gateways/mulesoft.md and kong.md, checked without MuleSoft or Kong: their policy blocks. */
// biome-ignore lint/suspicious/noExplicitAny: walking a parsed YAML document.
type Node = any;

describe('mulesoft.md', () => {
  const guide = readGuide('mulesoft.md');
  const [policyBlock] = codeBlocks(guide, 'yaml');
  const [policy]: Node[] = parse(policyBlock ?? '');

  it('uses the OAuth 2.0 Token Introspection policy against /api/introspect', () => {
    expect(policy.policyRef.name).toBe('oauth2-token-introspection-flex');
    expect(policy.config.introspectionURL).toMatch(/^https:\/\/[^/]+\/api\/introspect\?code=<function-key>$/);
    expect(policy.config.authorizationValue).toBeTruthy();
    expect(policy.config.skipClientIdValidation).toBe(true);
    expect(policy.config.validatedTokenTTL).toBeGreaterThan(0);
    expect(policy.config.validatedTokenTTL).toBeLessThanOrEqual(60);
    expect(guide).toContain('Validation__IntrospectionPolicy');
  });

  it('keeps the HTTP-request alternative well-formed, with an error handler and header stripping', () => {
    const [flow] = codeBlocks(guide, 'xml');
    const root = parseStrictXml(`<flow>${flow ?? ''}</flow>`);
    const names = descendants(root).map((e) => e.name);
    expect(names).toContain('http:request');
    expect(names).toContain('error-handler');
    expect(flow).toContain("'x-agw-'");
    expect(flow).toContain('www-authenticate');
  });
});

describe('kong.md', () => {
  const guide = readGuide('kong.md');
  const plugins: Node[] = codeBlocks(guide, 'yaml').flatMap((block) => parse(block).plugins);
  const plugin = (name: string) => plugins.find((p) => p.name === name)?.config;

  it('Enterprise: oauth2-introspection against /api/introspect with the function key and a short TTL', () => {
    const config = plugin('oauth2-introspection');
    expect(config.introspection_url).toMatch(/\/api\/introspect$/);
    expect(config.custom_introspection_headers).toEqual({ 'x-functions-key': '<function-key>' });
    expect(config.ttl).toBeGreaterThan(0);
    expect(config.ttl).toBeLessThanOrEqual(60);
  });

  it('OSS: a pre-function that strips client x-agw-* headers, validates over verified TLS and fails closed', () => {
    const [code] = plugin('pre-function').access as string[];
    expect(code).toContain('"x-agw-"');
    expect(code).toContain('clear_header');
    expect(code).toMatch(/\/api\/validate\/[\w-]+"/);
    expect(code).toContain('ssl_verify = true');
    expect(code).toContain('kong.response.exit(503');
    expect(code).toContain('WWW-Authenticate');
  });

  it('says it is not tested here', () => {
    expect(guide).toMatch(/UNTESTED/);
  });
});
