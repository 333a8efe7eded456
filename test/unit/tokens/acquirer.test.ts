import { beforeAll, describe, expect, it } from 'vitest';
import { type CredentialProvider, TokenAcquirer } from '../../../shared/tokens/acquirer.js';
import { CertificateCache } from '../../../shared/tokens/certificate-cache.js';
import { parseTokenConfig } from '../../../shared/tokens/config.js';
import { FakeIdp, FakeSource, manualClock } from './fakes.js';
import { makeCertificate, type TestCertificate } from './fixtures.js';

const SCOPE = 'api://downstream/.default';
const OTHER = 'api://other/.default';
const THIRD = 'api://third/.default';
const tenant = '11111111-2222-3333-4444-555555555555';

let v1: TestCertificate;
let v2: TestCertificate;
beforeAll(() => {
  v1 = makeCertificate({ cn: 'v1' });
  v2 = makeCertificate({ cn: 'v2' });
});

const env = {
  AzureAd__Instance: 'https://login.test/',
  AzureAd__TenantId: tenant,
  AzureAd__ClientId: 'gw-app',
  AzureAd__AllowedScopes: `${SCOPE},${OTHER},${THIRD}`,
  AzureAd__ClientCredentials__0__SourceType: 'KeyVault',
  AzureAd__ClientCredentials__0__KeyVaultUrl: 'https://vault.test/',
  AzureAd__ClientCredentials__0__KeyVaultCertificateName: 'gw',
  Clients__fic__ClientId: 'fic-app',
  Clients__fic__AllowedScopes: SCOPE,
  Clients__fic__ClientCredentials__0__SourceType: 'SignedAssertionFromManagedIdentity',
  Clients__broken__ClientId: 'x',
};

function setup() {
  const clock = manualClock(Date.now());
  const source = new FakeSource();
  source.addVersion('v1', { contentType: 'application/x-pem-file', value: v1.pem });
  const idp = new FakeIdp(clock.now);
  idp.registered.add(v1.thumbprintSha256);
  let assertions = 0;
  const acquirer = new TokenAcquirer({
    config: parseTokenConfig(env),
    certificates: new CertificateCache({ clock: clock.now, refreshMs: 300_000 }),
    credentialsOf: (client): CredentialProvider[] =>
      client.name === 'fic'
        ? [{ kind: 'assertion', label: 'managed identity', getAssertion: async () => `mi-${++assertions}` }]
        : [{ kind: 'certificate', source }],
    createClient: idp.factory,
    clock: clock.now,
  });
  return { clock, source, idp, acquirer };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('token acquirer', () => {
  it('answers the caller mistakes with typed errors before any upstream call', async () => {
    const { acquirer, idp, source } = setup();
    await expect(acquirer.acquire(undefined, 'User.Read')).rejects.toMatchObject({ code: 'invalid_scope' });
    await expect(acquirer.acquire('nope', SCOPE)).rejects.toMatchObject({ code: 'unknown_client' });
    await expect(acquirer.acquire('broken', SCOPE)).rejects.toMatchObject({
      code: 'client_misconfigured',
      message: expect.stringContaining('Clients__broken__ClientCredentials'),
    });
    await expect(acquirer.acquire('default', 'api://secret-store/.default')).rejects.toMatchObject({
      code: 'scope_not_allowed',
    });
    expect(idp.requests + source.currentCalls).toBe(0);
  });

  it('single-flight: 1,000 concurrent cold requests make one IdP request and one key read', async () => {
    const { acquirer, idp, source } = setup();
    let open!: () => void;
    idp.gate = new Promise((resolve) => {
      open = resolve;
    });
    const calls = Array.from({ length: 1000 }, () => acquirer.acquire(undefined, SCOPE));
    await tick();
    open();
    const results = await Promise.all(calls);
    expect(idp.requests).toBe(1);
    expect(source.materialCalls).toBe(1);
    expect(new Set(results.map((r) => r.accessToken))).toEqual(new Set(['token-1']));
    expect(results.filter((r) => r.cache === 'miss')).toHaveLength(1);
    expect(results.filter((r) => r.cache === 'coalesced')).toHaveLength(999);
    // A later call is a cache hit in MSAL's cache.
    expect((await acquirer.acquire(undefined, SCOPE)).cache).toBe('hit');
    expect(idp.requests).toBe(1);
  });

  it('refreshes in the background before MSAL would, while callers keep the valid token', async () => {
    const { acquirer, idp, clock } = setup();
    const first = await acquirer.acquire(undefined, SCOPE);
    // MSAL's point is exp - 300 s; we start 120 s earlier: exp - 420 s.
    clock.advance(3_600_000 - 421_000);
    expect((await acquirer.acquire(undefined, SCOPE)).accessToken).toBe(first.accessToken);
    expect(idp.requests).toBe(1);
    clock.advance(2_000);
    let open!: () => void;
    idp.gate = new Promise((resolve) => {
      open = resolve;
    });
    const during = await Promise.all([
      acquirer.acquire(undefined, SCOPE),
      acquirer.acquire(undefined, SCOPE),
    ]);
    expect(during.map((r) => r.accessToken)).toEqual([first.accessToken, first.accessToken]);
    expect(idp.requests).toBe(2);
    open();
    await tick();
    await tick();
    const after = await acquirer.acquire(undefined, SCOPE);
    expect(after.accessToken).toBe('token-2');
    expect(idp.requests).toBe(2);
  });

  it('past refresh_in, callers get the cached token and only the background refresh calls the IdP', async () => {
    const { acquirer, idp, clock } = setup();
    idp.refreshInMs = 1_800_000;
    const first = await acquirer.acquire(undefined, SCOPE);
    clock.advance(1_800_000 + 1_000);
    // IdP down: MSAL would try (and fail) in-request for every caller.
    idp.down = true;
    const down = await Promise.all(Array.from({ length: 10 }, () => acquirer.acquire(undefined, SCOPE)));
    expect(down.map((r) => r.accessToken)).toEqual(Array(10).fill(first.accessToken));
    await tick();
    expect(idp.requests).toBe(2);
    // IdP back, a refresh in flight: concurrent callers still make no request of their own.
    idp.down = false;
    clock.advance(31_000);
    let open!: () => void;
    idp.gate = new Promise((resolve) => {
      open = resolve;
    });
    const during = await Promise.all(Array.from({ length: 10 }, () => acquirer.acquire(undefined, SCOPE)));
    expect(during.map((r) => r.accessToken)).toEqual(Array(10).fill(first.accessToken));
    expect(idp.requests).toBe(3);
    open();
    await tick();
    await tick();
    expect((await acquirer.acquire(undefined, SCOPE)).accessToken).toBe('token-3');
    expect(idp.requests).toBe(3);
  });

  it('rotation: a rejected assertion reloads the certificate, rebuilds the client and retries once', async () => {
    const { acquirer, idp, source } = setup();
    await acquirer.acquire(undefined, SCOPE);
    // Key Vault renews, the directory learns the new key and forgets the old one.
    source.addVersion('v2', { contentType: 'application/x-pkcs12', value: v2.pfxBase64() });
    idp.registered = new Set([v2.thumbprintSha256]);
    const result = await acquirer.acquire(undefined, OTHER);
    expect(result.accessToken).toBe('token-3');
    expect(idp.failedAssertions).toBe(1);
    expect(source.materialCalls).toBe(2);
    const last = idp.credentials.at(-1);
    expect(last?.kind === 'certificate' && last.thumbprintSha256).toBe(v2.thumbprintSha256);
  });

  it('rotation under concurrency: requests rejected together all retry with the reloaded certificate', async () => {
    const { acquirer, idp, source } = setup();
    await acquirer.acquire(undefined, SCOPE);
    source.addVersion('v2', { value: v2.pem });
    idp.registered = new Set([v2.thumbprintSha256]);
    // Key Vault answers slowly: both rejected requests retry while the first reload is in flight.
    let open!: () => void;
    source.gate = new Promise((resolve) => {
      open = resolve;
    });
    const both = Promise.all([acquirer.acquire(undefined, OTHER), acquirer.acquire(undefined, THIRD)]);
    for (let i = 0; i < 10; i += 1) await tick();
    open();
    const results = await both;
    expect(results.map((r) => r.cache)).toEqual(['miss', 'miss']);
    expect(idp.failedAssertions).toBe(2);
    expect(source.materialCalls).toBe(2);
  });

  it('auto-renewal gap: a new version the IdP does not know yet falls back to the previous one', async () => {
    const { acquirer, idp, source, clock } = setup();
    await acquirer.acquire(undefined, SCOPE);
    // Key Vault renews; the directory still only knows v1.
    source.addVersion('v2', { value: v2.pem });
    clock.advance(301_000);
    // Past the TTL: this fetch still uses v1 and re-checks Key Vault in the background.
    await acquirer.acquire(undefined, OTHER);
    await tick();
    expect(idp.failedAssertions).toBe(0);
    // The first scope's token has expired: the next request needs the IdP, with v2 first.
    clock.advance(3_600_000);
    const result = await acquirer.acquire(undefined, SCOPE);
    expect(result.cache).toBe('miss');
    expect(idp.failedAssertions).toBe(1);
    const last = idp.credentials.at(-1);
    expect(last?.kind === 'certificate' && last.thumbprintSha256).toBe(v1.thumbprintSha256);
  });

  it('retries at most once per request: a credential the IdP never accepts gives 502-class idp_rejected', async () => {
    const { acquirer, idp } = setup();
    idp.registered.clear();
    await expect(acquirer.acquire(undefined, SCOPE)).rejects.toMatchObject({
      code: 'idp_rejected',
      aadsts: 700027,
    });
    expect(idp.requests).toBe(2);
    expect(idp.failedAssertions).toBe(2);
  });

  it('Key Vault down: warm cache still serves, cold gives keyvault_unavailable', async () => {
    const { acquirer, source, clock } = setup();
    await acquirer.acquire(undefined, SCOPE);
    source.down = true;
    clock.advance(400_000); // past the certificate TTL
    expect((await acquirer.acquire(undefined, SCOPE)).cache).toBe('hit');
    const cold = setup();
    cold.source.down = true;
    await expect(cold.acquirer.acquire(undefined, SCOPE)).rejects.toMatchObject({
      code: 'keyvault_unavailable',
      retryAfterSeconds: 5,
    });
  });

  it('IdP down: a token past MSAL renewal but still valid is served; nothing cached gives idp_unavailable', async () => {
    const { acquirer, idp, clock } = setup();
    const first = await acquirer.acquire(undefined, SCOPE);
    idp.down = true;
    clock.advance(3_600_000 - 200_000); // inside MSAL's 300 s window, 200 s before exp
    const served = await acquirer.acquire(undefined, SCOPE);
    expect(served).toMatchObject({ accessToken: first.accessToken, cache: 'stale' });
    clock.advance(180_000); // 20 s before exp: too close to hand out
    await expect(acquirer.acquire(undefined, SCOPE)).rejects.toMatchObject({ code: 'idp_unavailable' });
    await expect(acquirer.acquire(undefined, OTHER)).rejects.toMatchObject({ code: 'idp_unavailable' });
  });

  it('SignedAssertionFromManagedIdentity: the injected assertion provider signs the request', async () => {
    const { acquirer, idp } = setup();
    idp.registered.add('assertion:mi-1');
    const result = await acquirer.acquire('fic', SCOPE);
    expect(result.accessToken).toBe('token-1');
    expect(idp.credentials.at(-1)?.kind).toBe('assertion');
  });

  it('answers hits from its own state: no MSAL cache lookup, the same token and expiry', async () => {
    const { acquirer, idp, clock } = setup();
    const first = await acquirer.acquire(undefined, SCOPE);
    expect(idp.lookups).toBe(1);
    for (let i = 0; i < 100; i++) {
      clock.advance(10_000);
      const hit = await acquirer.acquire(undefined, SCOPE);
      expect(hit).toMatchObject({ accessToken: first.accessToken, expiresOn: first.expiresOn, cache: 'hit' });
    }
    expect(idp.lookups).toBe(1);
    expect(idp.requests).toBe(1);
  });

  it('cached(): the held token without waiting, or undefined when acquire() must run', async () => {
    const { acquirer, idp, clock } = setup();
    expect(acquirer.cached(undefined, SCOPE)).toBeUndefined();
    // The caller's mistakes are the same typed errors as acquire() gives.
    expect(() => acquirer.cached(undefined, 'api://elsewhere/.default')).toThrow(
      expect.objectContaining({ code: 'scope_not_allowed' }),
    );
    expect(() => acquirer.cached('nobody', SCOPE)).toThrow(
      expect.objectContaining({ code: 'unknown_client' }),
    );
    const first = await acquirer.acquire(undefined, SCOPE);
    expect(acquirer.cached(undefined, SCOPE)).toBe(await acquirer.acquire(undefined, SCOPE));
    expect(acquirer.cached(undefined, SCOPE)).toMatchObject({ accessToken: first.accessToken, cache: 'hit' });
    // Past our refresh point it still answers, and starts the one background refresh.
    clock.advance(3_600_000 - 419_000);
    expect(acquirer.cached(undefined, SCOPE)?.accessToken).toBe(first.accessToken);
    await tick();
    await tick();
    expect(idp.requests).toBe(2);
    expect(acquirer.cached(undefined, SCOPE)?.accessToken).toBe('token-2');
    // Past MSAL's renewal point of the held token, acquire() must run.
    await acquirer.acquire(undefined, OTHER);
    clock.advance(3_600_000 - 299_000);
    expect(acquirer.cached(undefined, OTHER)).toBeUndefined();
  });

  it('a certificate reload for the client invalidates its remembered tokens: the next request proves the new version', async () => {
    const { acquirer, idp, clock, source } = setup();
    const first = await acquirer.acquire(undefined, SCOPE);
    // Key Vault rotates the certificate and Entra knows the new key; past the re-check interval a
    // request for another scope re-checks in the background, and the next one loads v2.
    source.addVersion('v2', { contentType: 'application/x-pem-file', value: v2.pem });
    idp.registered.add(v2.thumbprintSha256);
    clock.advance(301_000);
    await acquirer.acquire(undefined, OTHER);
    await tick();
    await tick();
    await acquirer.acquire(undefined, THIRD);
    expect(idp.credentials.at(-1)).toMatchObject({ thumbprintSha256: v2.thumbprintSha256 });
    expect(idp.requests).toBe(3);
    const after = await acquirer.acquire(undefined, SCOPE);
    expect(after.accessToken).not.toBe(first.accessToken);
    expect(after.cache).toBe('miss');
    expect(idp.requests).toBe(4);
    // …and that token is a hit again.
    expect((await acquirer.acquire(undefined, SCOPE)).accessToken).toBe(after.accessToken);
    expect(idp.requests).toBe(4);
  });

  it('a rotation-code rejection invalidates the remembered token of that client', async () => {
    const { acquirer, idp, clock } = setup();
    const first = await acquirer.acquire(undefined, SCOPE);
    // Entra forgets v1 (removed from the app registration); Key Vault has nothing newer.
    idp.registered.delete(v1.thumbprintSha256);
    clock.advance(301_000);
    await expect(acquirer.acquire(undefined, OTHER)).rejects.toMatchObject({ code: 'idp_rejected' });
    // The remembered token for SCOPE is not served as if nothing happened: the request acquires
    // again and reports the rejection.
    await expect(acquirer.acquire(undefined, SCOPE)).rejects.toMatchObject({ code: 'idp_rejected' });
    expect(first.accessToken).toBe('token-1');
  });
});
