import { ConfidentialClientApplication } from '@azure/msal-node';

/**
 * Proves a new secret works: a real client-credentials token with it (msal-node, a fresh client
 * each time so no cache answers for Entra). Entra takes seconds to propagate a new secret, with
 * no SLA (AZURE-FACTS: 4-18 s seen), and answers AADSTS7000215 meanwhile, so a rejection is
 * retried with back-off until the deadline.
 */
export interface SecretVerifier {
  /** True once a token was issued with the secret; false when Entra still refuses it at the deadline. */
  verify(appId: string, secret: string, deadline: number): Promise<boolean>;
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

export function msalVerifier(options: MsalVerifierOptions): SecretVerifier {
  return {
    async verify(appId, secret, deadline) {
      const authority = `${options.authorityHost.replace(/\/+$/, '')}/${await options.tenantId()}`;
      let wait = FIRST_WAIT_MS;
      for (;;) {
        const client = new ConfidentialClientApplication({
          auth: {
            clientId: appId,
            clientSecret: secret,
            authority,
            knownAuthorities: [new URL(authority).host],
          },
        });
        try {
          const result = await client.acquireTokenByClientCredential({
            scopes: [options.scope],
            skipCache: true,
          });
          if (result?.accessToken) return true;
        } catch {
          // Not propagated yet (AADSTS7000215), or Entra unreachable: both are retried until the deadline.
        }
        const left = deadline - options.clock();
        if (left <= 0) return false;
        await options.sleep(Math.min(wait, left));
        wait = Math.min(wait * 2, MAX_WAIT_MS);
      }
    },
  };
}
