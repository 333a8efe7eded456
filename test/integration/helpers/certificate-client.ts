import { X509Certificate } from 'node:crypto';
import { ClientSecretCredential } from '@azure/identity';
import { SecretClient } from '@azure/keyvault-secrets';
import { ConfidentialClientApplication } from '@azure/msal-node';
import type { RunningIdentity } from '../../../local/entra/identity.js';

/**
 * A certificate client as a gateway would run it, outside the product: the private key is read
 * from the Key Vault stand-in with the real `@azure/keyvault-secrets` client (authenticated as the
 * seeded `product` app), and tokens come from the Entra stand-in through the real msal-node
 * `ConfidentialClientApplication` with `clientCertificate` (a `private_key_jwt` client assertion).
 * Deliberately independent of the product's certificate parser, so a test using it checks the
 * product against a second implementation.
 */
export interface CertificateClient {
  /** An access token for `scope` (`<resource>/.default`), from a real token request. */
  token(scope: string): Promise<string>;
  /** SHA-256 thumbprint (uppercase hex) of the certificate the assertions are signed with. */
  thumbprintSha256: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z ]+)-----[\s\S]*?-----END \1-----/g;

/** Reads a PEM certificate secret (PKCS#8 key + certificate) and builds an msal-node client. */
export async function certificateClient(
  id: RunningIdentity,
  clientId: string,
  certificateName: string,
): Promise<CertificateClient> {
  const credential = new ClientSecretCredential(
    id.tenantId,
    id.apps.product.appId,
    id.apps.product.secret ?? '',
    {
      authorityHost: id.authorityHost,
      disableInstanceDiscovery: true,
    },
  );
  const secrets = new SecretClient(id.keyVaultUrl, credential, {
    disableChallengeResourceVerification: true,
  });
  const secret = await secrets.getSecret(certificateName);
  const blocks = [...(secret.value ?? '').matchAll(PEM_BLOCK)];
  const privateKey = blocks.find((b) => b[1] === 'PRIVATE KEY')?.[0];
  const leaf = blocks.find((b) => b[1] === 'CERTIFICATE')?.[0];
  if (!privateKey || !leaf) throw new Error(`secret ${certificateName} is not a PEM key + certificate`);
  const thumbprintSha256 = new X509Certificate(leaf).fingerprint256.replaceAll(':', '');
  const app = new ConfidentialClientApplication({
    auth: {
      clientId,
      ...id.msalAuthorityOptions(),
      clientCertificate: { thumbprintSha256, privateKey },
    },
  });
  return {
    thumbprintSha256,
    async token(scope) {
      const result = await app.acquireTokenByClientCredential({ scopes: [scope] });
      if (!result?.accessToken) throw new Error(`no access token for ${scope}`);
      return result.accessToken;
    },
  };
}

/** The claims of a JWT, unverified (for asserting what the IdP put in a token). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}
