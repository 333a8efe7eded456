import { describe, expect, it } from 'vitest';
import { descendants, parseStrictXml, readGuide, type XmlElement } from './guide-files.js';

/**
 * docs/gateways/apim-policy.xml and apim-token-policy.xml, checked without APIM: strict XML (as
 * APIM's import requires), and the structure from the APIM policy reference.
 */
const IDENTITY_SPELLINGS = [
  'X-AGW-client_id',
  'X-AGW-client-id',
  'X-AGW-userid',
  'X-AGW-user_id',
  'X-AGW-user-id',
];

const inboundOf = (policy: XmlElement) => {
  const inbound = policy.children.find((c) => c.name === 'inbound');
  if (!inbound) throw new Error('no <inbound>');
  return inbound;
};
const all = (root: XmlElement, name: string) => descendants(root).filter((e) => e.name === name);
const variable = (root: XmlElement, name: string) =>
  all(root, 'set-variable').find((e) => e.attributes.name === name)?.attributes.value ?? '';

describe('strict XML', () => {
  it('refuses what APIM refuses: unescaped quotes, bare & and raw < in attributes', () => {
    expect(() => parseStrictXml('<a b="x("y")"/>')).toThrow(/well-formed/);
    expect(() => parseStrictXml('<a b="x && y"/>')).toThrow(/well-formed/);
    expect(() => parseStrictXml('<a b="List<int>"/>')).toThrow(/raw "<"/);
    expect(parseStrictXml('<a b="@(x(&quot;y&quot;) &amp;&amp; List&lt;int&gt;)"/>').attributes.b).toBe(
      '@(x("y") && List<int>)',
    );
  });
});

describe('apim-policy.xml (validate)', () => {
  const policy = parseStrictXml(readGuide('apim-policy.xml'));
  const inbound = inboundOf(policy);

  it('deletes every client identity header, in both spellings, before anything else runs', () => {
    const firstRequest = inbound.children.findIndex((c) => c.name !== 'base' && c.name !== 'set-header');
    const deletes = inbound.children
      .slice(0, firstRequest)
      .filter((c) => c.name === 'set-header' && c.attributes['exists-action'] === 'delete')
      .map((c) => c.attributes.name);
    expect(deletes).toEqual(IDENTITY_SPELLINGS);
  });

  it('calls the validate URL with the token and the function key', () => {
    const [request] = all(inbound, 'send-request');
    expect(request?.attributes['response-variable-name']).toBe('agwResponse');
    const children = request?.children ?? [];
    expect(children.find((c) => c.name === 'set-url')?.text).toBe('{{agw-validate-url}}');
    const headers = children.filter((c) => c.name === 'set-header').map((c) => c.attributes.name);
    expect(headers).toEqual(['Authorization', 'x-functions-key']);
  });

  it("returns the validator's refusal as it is, and fails closed with a reasoned 503", () => {
    const returns = all(inbound, 'return-response');
    expect(returns.map((r) => r.attributes['response-variable-name'])).toContain('agwResponse');
    const statuses = all(policy, 'set-status');
    expect(statuses.length).toBeGreaterThan(0);
    for (const status of statuses) expect(status.attributes.reason, status.attributes.code).toBeTruthy();
    expect(statuses.map((s) => s.attributes.code)).toContain('503');
  });

  it('caches per validate URL and token, for at most 30 s and never past expires_in', () => {
    expect(variable(inbound, 'agwCacheKey')).toContain('{{agw-validate-url}}');
    expect(variable(inbound, 'agwCacheKey')).toContain('SHA256');
    const [lookup] = all(inbound, 'cache-lookup-value');
    const [store] = all(inbound, 'cache-store-value');
    expect(lookup?.attributes.key).toContain('agwCacheKey');
    expect(store?.attributes.key).toBe(lookup?.attributes.key);
    expect(store?.attributes.duration).toContain('agwCacheSeconds');
    expect(variable(inbound, 'agwCacheSeconds')).toMatch(/Math\.Min\(30,.*expires_in/s);
  });

  it('forwards both the client id and the user id from the validator', () => {
    const overrides = all(inbound, 'set-header')
      .filter((h) => h.attributes['exists-action'] === 'override')
      .map((h) => h.attributes.name);
    expect(overrides).toEqual(expect.arrayContaining(['X-AGW-client_id', 'X-AGW-userid']));
    expect(variable(inbound, 'agwIdentity')).toContain('X-AGW-client_id');
    expect(variable(inbound, 'agwIdentity')).toContain('X-AGW-userid');
  });
});

describe('apim-token-policy.xml (backend token from /api/token)', () => {
  const policy = parseStrictXml(readGuide('apim-token-policy.xml'));
  const inbound = inboundOf(policy);

  it("POSTs the scope to the token URL as APIM's managed identity, with no function key", () => {
    const [request] = all(inbound, 'send-request');
    const children = request?.children ?? [];
    expect(children.find((c) => c.name === 'set-url')?.text).toBe('{{agw-token-url}}');
    expect(children.find((c) => c.name === 'set-method')?.text).toBe('POST');
    expect(children.find((c) => c.name === 'set-body')?.text).toContain('{{agw-backend-scope}}');
    expect(children.filter((c) => c.name === 'set-header').map((c) => c.attributes.name)).not.toContain(
      'x-functions-key',
    );
    expect(readGuide('apim-token-policy.xml')).not.toMatch(/function-key|x-functions-key/i);
    // The send-request child order of the APIM policy reference: the identity comes after the body.
    const names = children.map((c) => c.name);
    expect(names.indexOf('authentication-managed-identity')).toBeGreaterThan(names.indexOf('set-body'));
    const identity = children.find((c) => c.name === 'authentication-managed-identity');
    expect(identity?.attributes.resource).toBe('{{agw-product-api}}');
  });

  it('caches one token per token URL and scope until shortly before expires_in', () => {
    const key = variable(inbound, 'agwTokenCacheKey');
    expect(key).toContain('{{agw-token-url}}');
    expect(key).toContain('{{agw-backend-scope}}');
    const [store] = all(inbound, 'cache-store-value');
    expect(store?.attributes.duration).toContain('agwTokenCacheSeconds');
    expect(variable(inbound, 'agwTokenCacheSeconds')).toMatch(/expires_in.*- 60/);
  });

  it('sets the backend Authorization, and answers a reasoned 503 when no token is available', () => {
    const authorization = all(inbound, 'set-header').find((h) => h.attributes.name === 'Authorization');
    expect(authorization?.attributes['exists-action']).toBe('override');
    expect(authorization?.children[0]?.text).toContain('Bearer ');
    for (const status of all(policy, 'set-status')) expect(status.attributes.reason).toBeTruthy();
  });
});
