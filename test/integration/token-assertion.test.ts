import { randomUUID } from 'node:crypto';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { importPKCS8, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { parseCertificate } from '../../shared/tokens/certificate.js';
import { createTokenService } from '../../shared/tokens/service.js';

/**
 * SignedAssertionFromManagedIdentity (federated identity credential): the real msal-node calls our
 * client-assertion callback and the Entra stand-in verifies what it returns. The managed identity
 * is replaced by an injected assertion provider (no IMDS here); it signs a private_key_jwt
 * assertion with a certificate the directory knows, which the stand-in accepts as it would a
 * federated credential's token.
 */
let id: RunningIdentity;
let privateKeyPem: string;
let thumbprint: string;

beforeAll(async () => {
  id = await startIdentity();
  const credential = new ClientSecretCredential(id.tenantId, id.apps.product.appId, id.apps.product.secret!, {
    authorityHost: id.authorityHost,
    disableInstanceDiscovery: true,
  });
  const secrets = new SecretClient(id.keyVaultUrl, credential, {
    disableChallengeResourceVerification: true,
  });
  const cert = parseCertificate('gateway-cert', { value: (await secrets.getSecret('gateway-cert')).value! });
  privateKeyPem = cert.privateKeyPem;
  thumbprint = cert.thumbprintSha256;
});

afterAll(async () => {
  await id?.stop();
});

describe('SignedAssertionFromManagedIdentity', () => {
  it('acquires a token through the client-assertion callback, with the exchange audience', async () => {
    const API = `api://${id.apps.api.appId}/.default`;
    const audiences: string[] = [];
    let calls = 0;
    const service = createTokenService({
      env: {
        ...id.productSettings(),
        Clients__fic__ClientId: id.apps.gateway.appId,
        Clients__fic__AllowedScopes: API,
        Clients__fic__ClientCredentials__0__SourceType: 'SignedAssertionFromManagedIdentity',
        Clients__fic__ClientCredentials__0__ManagedIdentityClientId: 'user-assigned-mi',
      },
      assertionProvider: (description) => {
        audiences.push(description.audience);
        return async () => {
          calls += 1;
          const key = await importPKCS8(privateKeyPem, 'RS256');
          return new SignJWT({})
            .setProtectedHeader({
              alg: 'RS256',
              typ: 'JWT',
              'x5t#S256': Buffer.from(thumbprint, 'hex').toString('base64url'),
            })
            .setIssuer(id.apps.gateway.appId)
            .setSubject(id.apps.gateway.appId)
            .setAudience(id.tokenEndpointV2)
            .setJti(randomUUID())
            .setIssuedAt()
            .setExpirationTime('5m')
            .sign(key);
        };
      },
    });
    expect(service.config.problems).toEqual([]);
    const before = id.counters.tokenRequests({ clientId: id.apps.gateway.appId, outcome: 'success' });
    const token = await service.acquirer.acquire('fic', API);
    expect(token.cache).toBe('miss');
    const claims = JSON.parse(Buffer.from(token.accessToken.split('.')[1]!, 'base64url').toString());
    expect(claims).toMatchObject({ azp: id.apps.gateway.appId, aud: id.apps.api.appId });
    expect(audiences).toEqual(['api://AzureADTokenExchange']);
    expect(id.counters.tokenRequests({ clientId: id.apps.gateway.appId, outcome: 'success' }) - before).toBe(
      1,
    );
    // msal-node may ask the callback more than once while building one request; it asked at least once.
    expect(calls).toBeGreaterThanOrEqual(1);
    // Second call: MSAL's cache, no IdP request. (msal-node resolves the assertion callback on every
    // call, cache hits included; @azure/identity's managed identity credential caches its token.)
    expect((await service.acquirer.acquire('fic', API)).cache).toBe('hit');
    expect(id.counters.tokenRequests({ clientId: id.apps.gateway.appId })).toBe(
      id.counters.tokenRequests({ clientId: id.apps.gateway.appId, outcome: 'success' }),
    );
    expect(id.counters.tokenRequests({ clientId: id.apps.gateway.appId, outcome: 'success' }) - before).toBe(
      1,
    );
  });
});
