import { ConfidentialClientApplication } from '@azure/msal-node';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';

let id: RunningIdentity;
beforeAll(async () => {
  id = await startIdentity();
});
afterAll(async () => {
  await id?.stop();
});

describe('Entra stand-in: msal-node with a secret', () => {
  it('gets a v2 token that jose verifies against the discovered JWKS', async () => {
    const cca = new ConfidentialClientApplication({
      auth: {
        clientId: id.apps.secretClient.appId,
        clientSecret: id.apps.secretClient.secret as string,
        ...id.msalAuthorityOptions(),
      },
    });
    const result = await cca.acquireTokenByClientCredential({
      scopes: [`${id.apps.api.identifierUri}/.default`],
    });
    expect(result?.accessToken).toBeTruthy();
    const token = result?.accessToken as string;
    const discovery = (await (await fetch(id.discoveryV2)).json()) as { jwks_uri: string; issuer: string };
    expect(discovery.issuer).toBe(id.issuerV2);
    const { payload, protectedHeader } = await jwtVerify(
      token,
      createRemoteJWKSet(new URL(discovery.jwks_uri)),
      {
        issuer: id.issuerV2,
        audience: id.apps.api.appId,
      },
    );
    console.log(protectedHeader, payload);
    expect(decodeProtectedHeader(token).typ).toBe('JWT');
  });
});
