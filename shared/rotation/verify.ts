import { ConfidentialClientApplication, type Configuration } from '@azure/msal-node';
import type { CertificateKeyMaterial } from './certificates.js';

/**
 * Proves a new credential works: a real client-credentials token with it (msal-node, a fresh client
 * each time so no cache answers for Entra). Entra takes seconds to propagate a new secret or
 * certificate, with no SLA (AZURE-FACTS: 4-18 s seen), and refuses it meanwhile (AADSTS7000215 for
 * a secret, AADSTS700027 for a key), so a refusal is retried with back-off until the deadline.
 */
export interface SecretVerifier {
  /** True once a token was issued with the secret; false when Entra still refuses it at the deadline. */
  verify(appId: string, secret: string, deadline: number): Promise<boolean>;
  /** The same with a certificate (its private key signs the client assertion). */
  verifyCertificate(appId: string, certificate: CertificateKeyMaterial, deadline: number): Promise<boolean>;
}

export interface MsalVerifierOptions {
  authorityHost: string;
  tenantId: () => Promise<string>;
  /** The resource asked for (`<Graph__Audience>/.default`): any app may get a token for it. */
  scope: string;
  clock: () => number;
  sleep: (ms: number) => Promise<void>;
}

const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 10_000;

type Credential = Pick<Configuration['auth'], 'clientSecret' | 'clientCertificate'>;

export function msalVerifier(options: MsalVerifierOptions): SecretVerifier {
  const tokenUntil = async (appId: string, credential: Credential, deadline: number) => {
    const authority = `${options.authorityHost.replace(/\/+$/, '')}/${await options.tenantId()}`;
    let wait = FIRST_WAIT_MS;
    for (;;) {
      const client = new ConfidentialClientApplication({
        auth: { clientId: appId, ...credential, authority, knownAuthorities: [new URL(authority).host] },
      });
      try {
        const result = await client.acquireTokenByClientCredential({
          scopes: [options.scope],
          skipCache: true,
        });
        if (result?.accessToken) return true;
      } catch {
        // Not propagated yet, or Entra unreachable: both are retried until the deadline.
      }
      const left = deadline - options.clock();
      if (left <= 0) return false;
      await options.sleep(Math.min(wait, left));
      wait = Math.min(wait * 2, MAX_WAIT_MS);
    }
  };
  return {
    verify: (appId, secret, deadline) => tokenUntil(appId, { clientSecret: secret }, deadline),
    verifyCertificate: (appId, certificate, deadline) =>
      tokenUntil(
        appId,
        {
          clientCertificate: {
            thumbprintSha256: certificate.thumbprintSha256,
            privateKey: certificate.privateKeyPem,
            x5c: certificate.chainPem.join('\n'),
          },
        },
        deadline,
      ),
  };
}
