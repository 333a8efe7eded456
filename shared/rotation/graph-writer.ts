import type { TokenCredential } from '@azure/identity';
import { type Client, type PageCollection, PageIterator } from '@microsoft/microsoft-graph-client';
import { decodeJwt } from 'jose';
import { type GraphErrorLike, graphRetry } from '../platform/graph.js';
import { RotationError } from './errors.js';
import { recordGraphCall } from './metrics.js';
import type { AppState, Credential } from './model.js';

/**
 * The Graph calls rotation makes (the port) and their adapter over the product's Graph client
 * (`platform/graph.ts`: the unmodified client with its 429/503/504 retry handler). Writes need
 * Application.ReadWrite.OwnedBy and ownership of the app ("application: addPassword",
 * "application: removePassword"); last use needs AuditLog.Read.All.
 */
export interface NewSecret {
  keyId: string;
  /** Returned by addPassword only; goes to Key Vault at once and nowhere else. */
  secretText: string;
  startDateTime: string;
  endDateTime: string;
}

export interface RegisteredKey {
  keyId?: string;
  type: 'AsymmetricX509Cert';
  usage: 'Verify';
  key: string;
  displayName: string | null;
}

export interface RotationGraph {
  /** The product's service principal and tenant (the `oid` and `tid` of its Graph token). */
  identity(): Promise<{ servicePrincipalId: string; tenantId: string }>;
  /** Client ids of the apps a service principal owns. */
  ownedAppIds(servicePrincipalId: string): Promise<string[]>;
  /** One app as Graph has it now; null when it does not exist. */
  app(appId: string): Promise<AppState | null>;
  addPassword(objectId: string, input: { displayName: string; endDateTime: string }): Promise<NewSecret>;
  /** `absent` when the app no longer has that secret (a rerun, a hand removal). */
  removePassword(objectId: string, keyId: string): Promise<'removed' | 'absent'>;
  /** "application: addKey" with a proof of possession; the new key's keyId. */
  addKey(objectId: string, key: { key: string; displayName: string }, proof: string): Promise<string>;
  removeKey(objectId: string, keyId: string, proof: string): Promise<void>;
  /** Every keyCredential with its `key` (base64 DER): only a single-object GET with $select returns it. */
  keyCredentials(objectId: string): Promise<RegisteredKey[]>;
  /** PATCH keyCredentials: the collection becomes exactly `keys`. */
  replaceKeyCredentials(objectId: string, keys: RegisteredKey[]): Promise<void>;
  /** Last sign-in per keyId (lower case) of one app; null when the report is unavailable. */
  lastUse(appId: string): Promise<Map<string, string> | null>;
  /** Graph calls and 429 answers since the last call (the run summary's counts). */
  takeCounts(): { calls: number; throttled: number };
}

export interface RotationGraphOptions {
  maxRetries: number;
  retryDelaySeconds: number;
  requestTimeoutMs: number;
  /** false: the last-use report is not read (the removal check is skipped, and recorded so). */
  signInActivity: boolean;
}

const SELECT = ['id', 'appId', 'displayName', 'signInAudience', 'passwordCredentials', 'keyCredentials'];

function date(value: unknown): string | null {
  if (typeof value !== 'string' || value === '') return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).getUTCFullYear() >= 1900 ? new Date(ms).toISOString() : null;
}

function appState(resource: Record<string, unknown>): AppState {
  const list = (value: unknown) => (Array.isArray(value) ? (value as Record<string, unknown>[]) : []);
  const credential =
    (kind: Credential['kind']) =>
    (c: Record<string, unknown>): Credential => ({
      kind,
      keyId: String(c.keyId),
      displayName: typeof c.displayName === 'string' ? c.displayName : null,
      startDateTime: date(c.startDateTime),
      endDateTime: date(c.endDateTime),
      ...(kind === 'certificate'
        ? {
            thumbprint:
              typeof c.customKeyIdentifier === 'string' ? c.customKeyIdentifier.toUpperCase() : null,
          }
        : {}),
    });
  return {
    appId: String(resource.appId),
    objectId: String(resource.id),
    displayName: typeof resource.displayName === 'string' ? resource.displayName : '',
    signInAudience: typeof resource.signInAudience === 'string' ? resource.signInAudience : null,
    credentials: [
      ...list(resource.passwordCredentials).map(credential('password')),
      ...list(resource.keyCredentials).map(credential('certificate')),
    ],
  };
}

/** Graph's answer as a RotationError: what the journal and `RotationFailed` carry. */
export function rotationErrorOf(operation: string, error: unknown): RotationError {
  const { statusCode, code, message } = error as GraphErrorLike;
  const graphCode = code ?? null;
  if (statusCode === undefined || statusCode === -1)
    return new RotationError(
      'no_answer',
      `Graph gave no answer to ${operation}; it may or may not have happened.`,
      {
        cause: error,
      },
    );
  if (statusCode === 403)
    return new RotationError(
      'ownership_denied',
      `Graph refused ${operation} (403 ${code}): the product's identity needs Application.ReadWrite.OwnedBy and must be an owner of the app.`,
      { graphCode },
    );
  if (statusCode === 404)
    return new RotationError('app_not_found', `Graph has no such app (${operation}).`, { graphCode });
  if (statusCode === 400 && code === 'CredentialInvalidLifetimeAsPerAppPolicy')
    return new RotationError('lifetime_policy', `${message ?? 'Credential lifetime exceeds the policy.'}`, {
      graphCode,
    });
  if (statusCode === 400 && /maximum of \d+ passwords/i.test(message ?? ''))
    return new RotationError('credential_limit', `Graph refused ${operation}: ${message}`, { graphCode });
  if (statusCode === 429)
    return new RotationError(
      'graph_throttled',
      `Graph kept answering 429 to ${operation} past the retry budget.`,
      {
        graphCode,
      },
    );
  return new RotationError(
    'graph_unavailable',
    `Graph answered ${statusCode} ${code ?? ''} to ${operation}.`.replace(' .', '.'),
    {
      graphCode,
    },
  );
}

export class GraphRotationClient implements RotationGraph {
  #calls = 0;
  #throttled = 0;

  constructor(
    private readonly client: Client,
    private readonly credential: TokenCredential,
    private readonly scope: string,
    private readonly options: RotationGraphOptions,
  ) {}

  private request(path: string, operation: string) {
    this.#calls += 1;
    return this.client
      .api(path)
      .middlewareOptions([
        graphRetry(this.options.retryDelaySeconds, this.options.maxRetries, (status) => {
          this.#calls += 1;
          if (status === 429) this.#throttled += 1;
          recordGraphCall(operation, status === 429 ? 'throttled' : 'retried');
        }),
      ])
      .option('signal', AbortSignal.timeout(this.options.requestTimeoutMs));
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      const result = await run();
      recordGraphCall(operation, 'success');
      return result;
    } catch (error) {
      recordGraphCall(operation, 'failure');
      throw rotationErrorOf(operation, error);
    }
  }

  async identity() {
    const token = await this.credential.getToken(this.scope);
    const claims = token ? decodeJwt(token.token) : {};
    if (typeof claims.oid !== 'string' || typeof claims.tid !== 'string')
      throw new RotationError(
        'graph_unavailable',
        'The Graph token of the product identity carries no oid/tid.',
      );
    return { servicePrincipalId: claims.oid, tenantId: claims.tid };
  }

  ownedAppIds(servicePrincipalId: string): Promise<string[]> {
    return this.call('ownedObjects', async () => {
      const ids: string[] = [];
      const first = (await this.request(
        `/servicePrincipals/${encodeURIComponent(servicePrincipalId)}/ownedObjects/microsoft.graph.application`,
        'ownedObjects',
      )
        .select(['appId'])
        .top(999)
        .get()) as PageCollection;
      await new PageIterator(this.client, first, (item: Record<string, unknown>) => {
        ids.push(String(item.appId));
        return true;
      }).iterate();
      return ids;
    });
  }

  async app(appId: string): Promise<AppState | null> {
    try {
      return await this.call('application', async () =>
        appState(
          await this.request(
            `/applications(appId='${encodeURIComponent(appId.replaceAll("'", "''"))}')`,
            'application',
          )
            .select(SELECT)
            .get(),
        ),
      );
    } catch (error) {
      if (error instanceof RotationError && error.code === 'app_not_found') return null;
      throw error;
    }
  }

  addPassword(objectId: string, input: { displayName: string; endDateTime: string }): Promise<NewSecret> {
    return this.call('addPassword', async () => {
      const added = await this.request(
        `/applications/${encodeURIComponent(objectId)}/addPassword`,
        'addPassword',
      ).post({
        passwordCredential: input,
      });
      return {
        keyId: String(added.keyId),
        secretText: String(added.secretText),
        startDateTime: String(added.startDateTime),
        endDateTime: String(added.endDateTime),
      };
    });
  }

  async removePassword(objectId: string, keyId: string): Promise<'removed' | 'absent'> {
    try {
      await this.call('removePassword', () =>
        this.request(`/applications/${encodeURIComponent(objectId)}/removePassword`, 'removePassword').post({
          keyId,
        }),
      );
      return 'removed';
    } catch (error) {
      if (error instanceof RotationError && error.code === 'app_not_found') return 'absent';
      throw error;
    }
  }

  addKey(objectId: string, key: { key: string; displayName: string }, proof: string): Promise<string> {
    return this.call('addKey', async () => {
      const added = await this.request(`/applications/${encodeURIComponent(objectId)}/addKey`, 'addKey').post(
        {
          keyCredential: { type: 'AsymmetricX509Cert', usage: 'Verify', ...key },
          passwordCredential: null,
          proof,
        },
      );
      return String(added.keyId);
    });
  }

  async removeKey(objectId: string, keyId: string, proof: string): Promise<void> {
    await this.call('removeKey', () =>
      this.request(`/applications/${encodeURIComponent(objectId)}/removeKey`, 'removeKey').post({
        keyId,
        proof,
      }),
    );
  }

  keyCredentials(objectId: string): Promise<RegisteredKey[]> {
    return this.call('application', async () => {
      const app = await this.request(`/applications/${encodeURIComponent(objectId)}`, 'application')
        .select(['keyCredentials'])
        .get();
      return (Array.isArray(app.keyCredentials) ? app.keyCredentials : []).map(
        (k: Record<string, unknown>) => ({
          keyId: String(k.keyId),
          type: 'AsymmetricX509Cert' as const,
          usage: 'Verify' as const,
          key: String(k.key),
          displayName: typeof k.displayName === 'string' ? k.displayName : null,
        }),
      );
    });
  }

  async replaceKeyCredentials(objectId: string, keys: RegisteredKey[]): Promise<void> {
    await this.call('updateApplication', () =>
      this.request(`/applications/${encodeURIComponent(objectId)}`, 'updateApplication').patch({
        keyCredentials: keys,
      }),
    );
  }

  async lastUse(appId: string): Promise<Map<string, string> | null> {
    if (!this.options.signInActivity) return null;
    try {
      return await this.call('signInActivity', async () => {
        const last = new Map<string, string>();
        const first = (await this.request('/reports/appCredentialSignInActivities', 'signInActivity')
          .version('beta')
          .filter(`appId eq '${appId.replaceAll("'", "''")}'`)
          .get()) as PageCollection;
        await new PageIterator(this.client, first, (item: Record<string, unknown>) => {
          const at = (item.signInActivity as { lastSignInDateTime?: unknown } | undefined)
            ?.lastSignInDateTime;
          if (typeof item.keyId === 'string' && typeof at === 'string')
            last.set(item.keyId.toLowerCase(), at);
          return true;
        }).iterate();
        return last;
      });
    } catch {
      // 403 (no AuditLog.Read.All, no P1/P2), throttled past the budget, down: the check is skipped.
      return null;
    }
  }

  takeCounts() {
    const counts = { calls: this.#calls, throttled: this.#throttled };
    this.#calls = 0;
    this.#throttled = 0;
    return counts;
  }
}
