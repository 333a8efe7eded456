import type { Logger } from '../platform/log.js';
import type { PlainResponse } from '../platform/problem.js';
import { CallerError, callerRefusal } from './errors.js';
import { type CallerGrant, type CallerGrants, roleOperations } from './grants.js';
import type { IssuanceCounter } from './issuance.js';
import type { CallerOperation } from './settings.js';

/** Verifies a caller's bearer token under a policy: its claims, or the RFC 6750 answer to give. */
export type CallerVerifier = (
  authorization: string | null,
  policy: string,
) => Promise<{ claims: Record<string, unknown> } | { response: PlainResponse }>;

/** Who was admitted, for the handler: the token grant of `POST /api/token`, and names for reports. */
export interface Caller {
  /** The caller's name, its client id when it has no settings, or `(function key)`. */
  id: string;
  /** The client id its token carries; undefined for a key-only call. */
  clientId: string | undefined;
  /** What `POST /api/token` may serve it (shared/tokens/endpoint.ts TokenGrant). */
  tokenGrant: {
    caller: string;
    refuses(client: string, scope: string): 'client' | 'scope' | undefined;
    issued(client: string, scope: string): void;
  };
  /** A configured caller's client id from its name (reports accept either). */
  clientIdOf(nameOrClientId: string): string;
}

export type Admission = { ok: true; caller: Caller } | { ok: false; response: PlainResponse };

export interface GuardOptions {
  /** The validation policy caller tokens must pass, and its verifier; undefined when callers are not configured. */
  verifier: { policy: string; verify: CallerVerifier } | undefined;
  /** The policy was named by `Validation__IntrospectionCallerPolicy` (its older meaning is kept). */
  legacyIntrospectionPolicy: boolean;
  allowKeyOnly: boolean;
  grants: CallerGrants;
  issuance: IssuanceCounter | undefined;
  log: Logger;
}

export const KEY_CALLER = '(function key)';
const BEARER = /^\s*bearer\s/i;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * Decides, before a guarded endpoint runs, who calls and what it may do: a caller token (verified
 * on every call through the validator and its verified-token cache), or a function key alone when
 * `Callers__AllowKeyOnly` allows it. Logs refusals with the caller's client id; never a token.
 */
export class CallerGuard {
  readonly #options: GuardOptions;
  #keyOnly: Admission | undefined;

  constructor(options: GuardOptions) {
    this.#options = options;
  }

  /**
   * The admission of a call the function key alone admits (no caller token where none is
   * required), without waiting and the same every time; undefined when `admit` must decide.
   */
  admitKeyOnly(operation: CallerOperation, authorization: string | null): Admission | undefined {
    const { verifier, allowKeyOnly, legacyIntrospectionPolicy } = this.#options;
    const hasToken = authorization !== null && BEARER.test(authorization);
    const legacyGuarded = legacyIntrospectionPolicy && (operation === 'introspect' || operation === 'revoke');
    if (verifier === undefined || (!hasToken && allowKeyOnly && !legacyGuarded)) {
      this.#keyOnly ??= { ok: true, caller: this.#keyCaller() };
      return this.#keyOnly;
    }
    return undefined;
  }

  /** `log`: the invocation's logger, so a refusal is logged with its invocation id. */
  async admit(
    operation: CallerOperation,
    authorization: string | null,
    log: Logger = this.#options.log,
  ): Promise<Admission> {
    const keyOnly = this.admitKeyOnly(operation, authorization);
    if (keyOnly) return keyOnly;
    const { verifier, legacyIntrospectionPolicy } = this.#options;
    if (verifier === undefined) return { ok: true, caller: this.#keyCaller() }; // answered above; narrows the type
    const legacyGuarded = legacyIntrospectionPolicy && (operation === 'introspect' || operation === 'revoke');
    const outcome = await verifier.verify(authorization, verifier.policy);
    if ('response' in outcome) {
      log.info('Caller refused', { operation, status: outcome.response.status });
      return { ok: false, response: outcome.response };
    }
    const clientId = str(outcome.claims.azp) ?? str(outcome.claims.appid) ?? '(unknown)';
    const tenantId = str(outcome.claims.tid) ?? '(unknown)';
    const grant = this.#options.grants.byClientId.get(clientId.toLowerCase());
    const refuse = (error: CallerError): Admission => {
      log.info('Caller refused', { operation, clientId, code: error.code });
      return { ok: false, response: callerRefusal(error, 'callers') };
    };
    if (grant && this.#options.grants.misconfigured.has(grant.name))
      return refuse(new CallerError('caller_misconfigured', 'This caller is not configured correctly.'));
    const roles = Array.isArray(outcome.claims.roles) ? outcome.claims.roles.map(String) : [];
    const operations = new Set([...(grant?.operations ?? []), ...roleOperations(roles)]);
    // Validation__IntrospectionCallerPolicy used to admit any token valid under it.
    const legacyAllowed = legacyGuarded && !grant && operations.size === 0;
    // /api/token answers refusals itself, in RFC 6749 terms (unauthorized_client / invalid_scope).
    if (operation !== 'token' && !operations.has(operation) && !legacyAllowed)
      return refuse(new CallerError('operation_not_granted', 'This caller is not granted this operation.'));
    const id = grant?.name ?? clientId;
    return {
      ok: true,
      caller: {
        id,
        clientId,
        tokenGrant: this.#tokenGrant(id, clientId, tenantId, operations.has('token') ? grant : undefined),
        clientIdOf: (name) => this.#clientIdOf(name),
      },
    };
  }

  #keyCaller(): Caller {
    return {
      id: KEY_CALLER,
      clientId: undefined,
      tokenGrant: {
        caller: KEY_CALLER,
        refuses: () => undefined,
        issued: (client, scope) => this.#options.issuance?.record(KEY_CALLER, '(key)', client, scope),
      },
      clientIdOf: (name) => this.#clientIdOf(name),
    };
  }

  /** A caller without a token grant (or settings) is granted no client. */
  #tokenGrant(
    id: string,
    clientId: string,
    tenantId: string,
    grant: CallerGrant | undefined,
  ): Caller['tokenGrant'] {
    return {
      caller: id,
      refuses: (client, scope) => {
        if (!grant?.clients.has(client)) return 'client';
        if (grant.scopes && !grant.scopes.has(scope)) return 'scope';
        return undefined;
      },
      issued: (client, scope) => this.#options.issuance?.record(clientId, tenantId, client, scope),
    };
  }

  #clientIdOf(nameOrClientId: string): string {
    if (nameOrClientId === KEY_CALLER) return KEY_CALLER;
    for (const grant of this.#options.grants.byClientId.values())
      if (grant.name === nameOrClientId) return grant.clientId;
    return nameOrClientId;
  }
}
