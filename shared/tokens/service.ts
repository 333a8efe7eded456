import { ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { azureCredential } from '../platform/azure-credential.js';
import {
  type CertificateGenerations,
  TableCertificateGenerations,
} from '../platform/certificate-generations.js';
import { keyVaultClientOptions } from '../platform/keyvault.js';
import { consoleLogger, type Logger } from '../platform/log.js';
import { capability, problemsOf, type Runtime } from '../platform/runtime.js';
import type { Env } from '../platform/settings-reader.js';
import { storageConnectionFrom, tableClient } from '../platform/storage.js';
import { type CredentialProvider, TokenAcquirer } from './acquirer.js';
import { CertificateCache } from './certificate-cache.js';
import {
  type ClientConfig,
  type CredentialDescription,
  parseTokenConfig,
  type TokenConfig,
} from './config.js';
import { TokenError } from './errors.js';
import { HitSummary } from './hit-summary.js';
import { keyVaultSource } from './keyvault.js';
import { msalTokenClient, type TokenClientFactory } from './msal.js';
import { base64Source, pathSource } from './sources.js';

/**
 * Wires the token capability from app settings with the real adapters (Key Vault SDKs, msal-node,
 * @azure/identity). Tests inject the parts they replace.
 */
export interface TokenServiceOptions {
  env?: Env;
  logger?: Logger;
  clock?: () => number;
  /** The identity the product reaches Key Vault with. */
  keyVaultCredential?: () => TokenCredential;
  createClient?: TokenClientFactory;
  /** Certificate generation markers; from AzureWebJobsStorage when it is configured. */
  generations?: CertificateGenerations;
  /** SignedAssertionFromManagedIdentity: returns the managed identity's token for the exchange audience. */
  assertionProvider?: (
    description: Extract<CredentialDescription, { sourceType: 'SignedAssertionFromManagedIdentity' }>,
  ) => () => Promise<string>;
}

export interface TokenService {
  config: TokenConfig;
  acquirer: TokenAcquirer;
  /** Where `/api/token` counts cache hits for its periodic log line. */
  hits: HitSummary;
  clock: () => number;
}

function managedIdentityAssertion(
  description: Extract<CredentialDescription, { sourceType: 'SignedAssertionFromManagedIdentity' }>,
): () => Promise<string> {
  const credential = new ManagedIdentityCredential(
    description.managedIdentityClientId ? { clientId: description.managedIdentityClientId } : {},
  );
  // @azure/identity caches the managed identity token and refreshes it before it expires.
  return async () => {
    try {
      const token = await credential.getToken(`${description.audience}/.default`);
      return token.token;
    } catch (error) {
      throw new TokenError(
        'idp_unavailable',
        `The managed identity token for ${description.audience} is unavailable`,
        {
          cause: error,
          retryAfterSeconds: 5,
        },
      );
    }
  };
}

export function createTokenService(options: TokenServiceOptions = {}): TokenService {
  const env = options.env ?? process.env;
  const clock = options.clock ?? (() => Date.now());
  const config = parseTokenConfig(env);
  let credential: TokenCredential | undefined;
  const keyVaultCredential = () => {
    credential ??= options.keyVaultCredential?.() ?? azureCredential(env);
    return credential;
  };
  const { disableChallengeResourceVerification } = keyVaultClientOptions(env);
  const assertionFor = options.assertionProvider ?? managedIdentityAssertion;
  // Providers are built once per client: their sources carry the SDK clients.
  const providers = new Map<string, CredentialProvider[]>();
  const credentialsOf = (client: ClientConfig): CredentialProvider[] => {
    let list = providers.get(client.name);
    if (list) return list;
    list = client.credentials.map((description, index): CredentialProvider => {
      const where = `${client.name === 'default' ? 'AzureAd' : `Clients__${client.name}`}__ClientCredentials__${index}`;
      if (description.sourceType === 'KeyVault') {
        return {
          kind: 'certificate',
          source: keyVaultSource(description.keyVaultUrl, description.certificateName, {
            credential: keyVaultCredential(),
            disableChallengeResourceVerification,
          }),
        };
      }
      if (description.sourceType === 'Path') {
        return { kind: 'certificate', source: pathSource(description.path, description.password) };
      }
      if (description.sourceType === 'Base64Encoded') {
        return { kind: 'certificate', source: base64Source(description.value, description.password, where) };
      }
      return {
        kind: 'assertion',
        label: `managed identity assertion (${where})`,
        getAssertion: assertionFor(description),
      };
    });
    providers.set(client.name, list);
    return list;
  };
  const generations =
    options.generations ??
    (storageConnectionFrom(env)
      ? new TableCertificateGenerations(tableClient('certgenerations', env))
      : undefined);
  const acquirer = new TokenAcquirer({
    config,
    certificates: new CertificateCache({
      clock,
      refreshMs: config.certificateRefreshSeconds * 1000,
      ...(generations ? { generations } : {}),
      ...(options.logger ? { logger: options.logger } : {}),
    }),
    credentialsOf,
    createClient: options.createClient ?? msalTokenClient,
    clock,
    ...(options.logger ? { logger: options.logger } : {}),
  });
  return { config, acquirer, hits: new HitSummary(options.logger ?? consoleLogger), clock };
}

/**
 * Token acquisition as a runtime. Invalid settings of one client never stop the others: they are
 * warnings (logged at start), and requests for that client answer 503 client_misconfigured.
 */
export type TokenRuntime = Runtime<{ service: TokenService }>;

export function createTokenRuntime(env: Env, deps: Omit<TokenServiceOptions, 'env'> = {}): TokenRuntime {
  try {
    const service = createTokenService({ logger: consoleLogger, ...deps, env });
    return { ok: true, service, warnings: service.config.problems };
  } catch (error) {
    return problemsOf(error);
  }
}

/** The process-wide token capability, built from process.env on first use. */
export const tokens = capability('Token acquisition', () => createTokenRuntime(process.env));
