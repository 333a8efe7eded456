import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../../shared/platform/log.js';
import { TokenAcquirer } from '../../../shared/tokens/acquirer.js';
import { CertificateCache } from '../../../shared/tokens/certificate-cache.js';
import { parseTokenConfig } from '../../../shared/tokens/config.js';
import { handleTokenRequest } from '../../../shared/tokens/endpoint.js';
import { TokenError } from '../../../shared/tokens/errors.js';
import { HIT_SUMMARY_SECONDS, HitSummary } from '../../../shared/tokens/hit-summary.js';
import { oauthError, tokenResponse } from '../../../shared/tokens/oauth.js';
import { parseTokenRequest } from '../../../shared/tokens/request.js';
import { FakeIdp, FakeSource, manualClock } from './fakes.js';
import { makeCertificate } from './fixtures.js';

const SCOPE = 'api://downstream/.default';

describe('token request parsing', () => {
  it('accepts JSON and form bodies', () => {
    expect(parseTokenRequest('application/json', JSON.stringify({ scope: SCOPE }))).toEqual({ scope: SCOPE });
    expect(
      parseTokenRequest(
        'application/x-www-form-urlencoded; charset=utf-8',
        `scope=${encodeURIComponent(SCOPE)}&client=billing`,
      ),
    ).toEqual({
      scope: SCOPE,
      client: 'billing',
    });
  });

  it.each([
    ['application/json', '', 'invalid_request'],
    ['application/json', '{not json', 'invalid_request'],
    ['application/json', '[]', 'invalid_request'],
    ['application/json', '{}', 'invalid_request'],
    ['application/json', JSON.stringify({ scope: 42 }), 'invalid_request'],
    ['application/json', JSON.stringify({ scope: SCOPE, client: '../etc' }), 'invalid_request'],
    ['text/plain', 'scope=x', 'invalid_request'],
    ['application/x-www-form-urlencoded', `scope=${SCOPE}&scope=${SCOPE}`, 'invalid_request'],
    ['application/json', JSON.stringify({ scope: 'User.Read' }), 'invalid_scope'],
    ['application/json', JSON.stringify({ scope: `${SCOPE} api://b/.default` }), 'invalid_scope'],
  ])('%s %s → %s', (type, body, code) => {
    expect(() => parseTokenRequest(type, body)).toThrow(expect.objectContaining({ code }));
  });
});

describe('RFC 6749 §5.1 token response', () => {
  it('counts expires_in down each second for the same token object, and follows a changed token', () => {
    const now = Date.parse('2026-01-01T00:00:00.250Z');
    const token = { accessToken: 'token-a', expiresOn: new Date(now + 3_600_000) };
    const body = (t: typeof token, at: number) => JSON.parse(tokenResponse(t, at).body);
    expect(body(token, now)).toEqual({
      access_token: 'token-a',
      token_type: 'Bearer',
      expires_in: 3600,
      expires_on: Math.floor((now + 3_600_000) / 1000),
    });
    expect(body(token, now + 700).expires_in).toBe(3600);
    expect(body(token, now + 750).expires_in).toBe(3599);
    expect(body(token, now + 3_600_000).expires_in).toBe(0);
    // The same object with another token (never done by the acquirer, whose hits are frozen) is not served stale.
    token.accessToken = 'token-b';
    expect(body(token, now + 3_600_000).access_token).toBe('token-b');
    token.expiresOn = new Date(now + 7_200_000);
    expect(body(token, now + 3_600_000).expires_in).toBe(3600);
    expect(tokenResponse(token, now).headers).toMatchObject({
      'cache-control': 'no-store',
      pragma: 'no-cache',
    });
  });
});

describe('RFC 6749 §5.2 error mapping', () => {
  it.each([
    ['invalid_request', 400, 'invalid_request', undefined],
    ['unknown_client', 400, 'invalid_request', undefined],
    ['invalid_scope', 400, 'invalid_scope', undefined],
    ['scope_not_allowed', 403, 'invalid_scope', undefined],
    ['idp_rejected', 502, 'server_error', undefined],
    ['certificate_invalid', 502, 'server_error', undefined],
    ['client_misconfigured', 503, 'server_error', undefined],
    ['idp_unavailable', 503, 'temporarily_unavailable', '7'],
    ['keyvault_unavailable', 503, 'temporarily_unavailable', '7'],
    ['throttled', 429, 'temporarily_unavailable', '7'],
  ] as const)('%s → %i %s', (code, status, error, retryAfter) => {
    const response = oauthError(new TokenError(code, 'why', { retryAfterSeconds: 7 }));
    expect(response.status).toBe(status);
    expect(JSON.parse(response.body)).toEqual({ error, error_description: 'why' });
    expect(response.headers['retry-after']).toBe(retryAfter);
    expect(response.headers['cache-control']).toBe('no-store');
  });
});

function endpointFixture() {
  const clock = manualClock(Date.now());
  const cert = makeCertificate();
  const source = new FakeSource();
  source.addVersion('v1', { value: cert.pem });
  const idp = new FakeIdp(clock.now);
  idp.registered.add(cert.thumbprintSha256);
  const lines: string[] = [];
  const logger = createLogger((_level, line) => lines.push(line));
  const acquirer = new TokenAcquirer({
    config: parseTokenConfig({
      AzureAd__TenantId: 'contoso.onmicrosoft.com',
      AzureAd__ClientId: 'gw',
      AzureAd__AllowedScopes: SCOPE,
      AzureAd__ClientCredentials__0__SourceType: 'Path',
      AzureAd__ClientCredentials__0__CertificateDiskPath: '/unused',
    }),
    certificates: new CertificateCache({ clock: clock.now, refreshMs: 300_000, logger }),
    credentialsOf: () => [{ kind: 'certificate', source }],
    createClient: idp.factory,
    clock: clock.now,
    logger,
  });
  const input = {
    contentType: 'application/json',
    body: JSON.stringify({ scope: SCOPE }),
    invocationId: 'inv-1',
  };
  return { clock, cert, idp, lines, logger, acquirer, input };
}

describe('token endpoint core', () => {
  it('answers an OAuth token response, logs the outcome and never the token or the key', async () => {
    const { clock, cert, lines, logger, acquirer, input } = endpointFixture();
    const response = await handleTokenRequest(acquirer, input, () => logger, clock.now);
    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ 'cache-control': 'no-store', pragma: 'no-cache' });
    const body = JSON.parse(response.body);
    expect(body).toEqual({
      access_token: 'token-1',
      token_type: 'Bearer',
      expires_in: 3600,
      expires_on: Math.floor((clock.now() + 3_600_000) / 1000),
    });
    const denied = await handleTokenRequest(
      acquirer,
      { ...input, body: JSON.stringify({ scope: 'api://elsewhere/.default' }) },
      () => logger,
      clock.now,
    );
    expect(denied.status).toBe(403);
    const log = lines.join('\n');
    expect(log).toContain('"cache":"miss"');
    expect(log).toContain('"correlationId":"corr-1"');
    expect(log).toContain('"client":"default"');
    expect(log).toContain('"latencyMs"');
    // The refusal's code reaches the log: an operator searches for it.
    expect(log).toContain('"code":"scope_not_allowed"');
    expect(log).not.toContain('token-1');
    expect(log).not.toContain('PRIVATE KEY');
    expect(log).not.toContain(cert.keyPem.split('\n')[1]);
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('logs a miss on its own line and cache hits as one summary line per caller, client and scope each interval', async () => {
    vi.useFakeTimers();
    const { clock, lines, logger, acquirer, input } = endpointFixture();
    const hits = new HitSummary(logger);
    const grant = { caller: 'apim', refuses: () => undefined, issued: () => undefined };
    let loggersBuilt = 0;
    const log = () => {
      loggersBuilt++;
      return logger;
    };
    const ask = () => handleTokenRequest(acquirer, input, log, clock.now, grant, hits);
    expect((await ask()).status).toBe(200);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('Token issued');
    expect(lines[0]).toContain('"cache":"miss"');
    const answers = await Promise.all([ask(), ask(), ask()]);
    expect(answers.map((a) => JSON.parse(a.body).access_token)).toEqual(['token-1', 'token-1', 'token-1']);
    // Hits add no line of their own, nor build a logger...
    expect(lines).toHaveLength(1);
    expect(loggersBuilt).toBe(1);
    // ...a refusal still does, at once.
    const refused = await handleTokenRequest(
      acquirer,
      { ...input, body: JSON.stringify({ scope: 'api://elsewhere/.default' }) },
      () => logger,
      clock.now,
      grant,
      hits,
    );
    expect(refused.status).toBe(403);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('"code":"scope_not_allowed"');
    // When the window closes, one line counts the hits; it never carries the token.
    vi.advanceTimersByTime(HIT_SUMMARY_SECONDS * 1000 - 1);
    expect(lines).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^Tokens served from cache \{/);
    expect(JSON.parse(lines[2]!.slice(lines[2]!.indexOf('{')))).toMatchObject({
      caller: 'apim',
      client: 'default',
      scope: SCOPE,
      cache: 'hit',
      count: 3,
      windowSeconds: HIT_SUMMARY_SECONDS,
    });
    expect(lines.join('\n')).not.toContain('token-1');
    // A quiet window logs nothing; the next hit starts a new count.
    vi.advanceTimersByTime(HIT_SUMMARY_SECONDS * 1000);
    expect(lines).toHaveLength(3);
    await ask();
    hits.flush();
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[3]!.slice(lines[3]!.indexOf('{')))).toMatchObject({ count: 1 });
  });
});
