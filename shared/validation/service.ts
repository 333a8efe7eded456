import type { Logger } from '../platform/log.js';
import { type PlainResponse, problemResponse } from '../platform/problem.js';
import { clientIdOf } from './claims.js';
import { ValidationFailure } from './errors.js';
import { recordValidation } from './metrics.js';
import type { Policy } from './policy.js';
import { checkBearerSyntax, extractToken, isForm, type TokenSource } from './request.js';
import {
  introspectionActive,
  introspectionInactive,
  noTokenResponse,
  oauthError,
  validateFailure,
  validateSuccess,
} from './responses.js';
import { type Denylist, revocationKey } from './revocation.js';
import type { UsageRecorder } from './usage.js';
import type { VerifiedToken, Verifier } from './verifier.js';

/**
 * The three gateway operations over one verifier: validate (policy checks + revocation + usage),
 * introspect (RFC 7662) and revoke (RFC 7009). Returns plain responses; function files only adapt.
 */
export interface ServiceOptions {
  policies: Map<string, Policy>;
  verifier: Verifier;
  denylist?: Denylist;
  usage?: UsageRecorder;
  clock: () => number;
  /** Policy for introspection and revocation. */
  introspectionPolicy?: string;
  /**
   * Optional caller authentication for introspection and revocation, on top of the function key:
   * the caller presents its own bearer token, which must pass this policy (RFC 7662 §2.1).
   */
  callerPolicy?: string;
  log?: Logger;
}

/** Minimal request surface (structurally an @azure/functions HttpRequest). */
export interface RequestLike {
  method: string;
  headers: { get(name: string): string | null };
  query: URLSearchParams;
  text(): Promise<string>;
}

/** The request's token source: without waiting for GET and HEAD (nearly every gateway call), which have no body. */
export function tokenSourceOf(request: RequestLike): TokenSource | Promise<TokenSource> {
  const authorization = request.headers.get('authorization');
  if (request.method === 'GET' || request.method === 'HEAD')
    return { authorization, contentType: null, query: request.query, body: undefined };
  return request.text().then((body) => ({
    authorization,
    contentType: request.headers.get('content-type'),
    query: request.query,
    body,
  }));
}

const revoked = (verified: VerifiedToken) =>
  new ValidationFailure('revoked', { verifiedClaims: verified.claims });

export class ValidationService {
  readonly #options: ServiceOptions;

  constructor(options: ServiceOptions) {
    this.#options = options;
  }

  get policies(): Map<string, Policy> {
    return this.#options.policies;
  }

  /** Verify + revocation. Throws ValidationFailure. */
  async check(token: string, policy: Policy): Promise<VerifiedToken> {
    const verified = await this.#options.verifier.verify(token, policy);
    const denylist = this.#options.denylist;
    if (denylist && (await denylist.isRevoked(revocationKey(verified.claims, verified.hash))))
      throw revoked(verified);
    return verified;
  }

  /**
   * check() for a cached token while the denylist is fresh, without waiting (the path nearly every
   * gateway request takes); undefined when check() must run. Throws ValidationFailure.
   */
  #checkNow(token: string, policy: Policy): VerifiedToken | undefined {
    const verified = this.#options.verifier.verifyCached(token, policy);
    const denylist = this.#options.denylist;
    if (!verified || !denylist) return verified;
    const isRevoked = denylist.revokedNow(revocationKey(verified.claims, verified.hash));
    if (isRevoked) throw revoked(verified);
    return isRevoked === false ? verified : undefined;
  }

  /** The answer itself for a cached token (no promise on the path nearly every gateway call takes). */
  validate(source: TokenSource, policyName: string): PlainResponse | Promise<PlainResponse> {
    const policy = this.#options.policies.get(policyName);
    if (!policy) {
      return problemResponse({
        title: 'Not Found',
        status: 404,
        code: 'not_found',
        detail: 'Unknown validation policy.',
      });
    }
    const started = performance.now();
    let token: string | undefined;
    try {
      token = extractToken(source);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      recordValidation(policy.name, error, false, started);
      return validateFailure(error, undefined, policy.realm);
    }
    if (token === undefined) {
      recordValidation(policy.name, 'no_token', false, started);
      return noTokenResponse(policy.realm);
    }
    let verified: VerifiedToken | undefined;
    try {
      // A cached token is this exact string, verified before: only an unknown one needs its syntax checked.
      verified = this.#checkNow(token, policy);
    } catch (error) {
      return this.#refused(error, policy, started);
    }
    return verified
      ? this.#allowed(verified, policy, started)
      : this.#validateUncached(token, policy, started);
  }

  async #validateUncached(token: string, policy: Policy, started: number): Promise<PlainResponse> {
    let verified: VerifiedToken;
    try {
      verified = await this.#checkUncached(token, policy);
    } catch (error) {
      return this.#refused(error, policy, started);
    }
    return this.#allowed(verified, policy, started);
  }

  #allowed(verified: VerifiedToken, policy: Policy, started: number): PlainResponse {
    this.#count(verified.claims, policy);
    const response = validateSuccess(verified.claims, policy, Math.floor(this.#options.clock() / 1000));
    recordValidation(policy.name, undefined, verified.cacheHit, started);
    return response;
  }

  #refused(error: unknown, policy: Policy, started: number): PlainResponse {
    if (!(error instanceof ValidationFailure)) throw error;
    // A malformed request is not a validation: no usage count.
    if (error.code !== 'invalid_request') this.#count(error.verifiedClaims, policy, error.reason);
    recordValidation(policy.name, error, false, started);
    return validateFailure(error, policy, policy.realm);
  }

  async #checkUncached(token: string, policy: Policy): Promise<VerifiedToken> {
    checkBearerSyntax(token);
    return this.check(token, policy);
  }

  /** RFC 7662. Inactive (for any reason but an outage) is exactly {"active":false}. */
  async introspect(source: TokenSource): Promise<PlainResponse> {
    const denied = await this.#authenticateCaller(source);
    if (denied) return denied;
    const form = this.#form(source);
    if (!form) return oauthError(400, 'invalid_request', 'form body with a token parameter required');
    const policy = this.#introspectionPolicy();
    if (!policy) return oauthError(503, 'temporarily_unavailable', 'introspection policy not configured', 60);
    const token = form.get('token') ?? '';
    try {
      const verified = await this.check(token, policy);
      return introspectionActive(verified.claims);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      if (error.code === 'unavailable') {
        return oauthError(503, 'temporarily_unavailable', error.description, error.retryAfterSeconds);
      }
      return introspectionInactive();
    }
  }

  /** RFC 7009: genuine tokens go on the denylist until their exp; anything else is a 200 no-op. */
  async revoke(source: TokenSource): Promise<PlainResponse> {
    const denied = await this.#authenticateCaller(source);
    if (denied) return denied;
    const form = this.#form(source);
    if (!form) return oauthError(400, 'invalid_request', 'form body with a token parameter required');
    const policy = this.#introspectionPolicy();
    const denylist = this.#options.denylist;
    if (!policy || !denylist)
      return oauthError(503, 'temporarily_unavailable', 'revocation not configured', 60);
    const token = form.get('token') ?? '';
    const ok: PlainResponse = { status: 200, headers: { 'cache-control': 'no-store' }, body: '' };
    let verified: VerifiedToken;
    try {
      verified = await this.#options.verifier.authenticate(token, policy);
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      if (error.code === 'unavailable') {
        return oauthError(503, 'temporarily_unavailable', error.description, error.retryAfterSeconds);
      }
      return ok;
    }
    const exp =
      typeof verified.claims.exp === 'number'
        ? verified.claims.exp
        : Math.floor(this.#options.clock() / 1000) + 86_400;
    try {
      await denylist.revoke({ key: revocationKey(verified.claims, verified.hash), exp });
    } catch (error) {
      // RFC 7009 §2.2.1: a revocation the server cannot record now is a 503, so the client retries.
      this.#options.log?.warn('Revocation not stored', {
        error: error instanceof Error ? error.message : String(error),
      });
      return oauthError(503, 'temporarily_unavailable', 'revocation store unavailable', 30);
    }
    this.#options.log?.info('Token revoked', {
      clientId: clientIdOf(verified.claims),
      tid: verified.claims.tid,
    });
    return ok;
  }

  /** undefined when the caller may proceed; a 401/403 (RFC 6750) or 503 otherwise. */
  async #authenticateCaller(source: TokenSource): Promise<PlainResponse | undefined> {
    const name = this.#options.callerPolicy;
    if (!name) return undefined;
    const outcome = await this.verifyCaller(source.authorization, name);
    return 'response' in outcome ? outcome.response : undefined;
  }

  /**
   * A caller's own bearer token (Authorization header only, RFC 6750 §2.1) checked under the named
   * policy with every rule, revocation included: its verified claims, or the RFC 6750 answer to
   * give (401 without a token or with a bad one, 503 when it cannot be checked now).
   */
  async verifyCaller(
    authorization: string | null,
    policyName: string,
  ): Promise<{ claims: VerifiedToken['claims'] } | { response: PlainResponse }> {
    const policy = this.#options.policies.get(policyName);
    if (!policy)
      return { response: oauthError(503, 'temporarily_unavailable', 'caller policy not configured', 60) };
    const match = /^\s*bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    if (!match?.[1]) return { response: noTokenResponse(policy.realm) };
    try {
      const verified = this.#checkNow(match[1], policy) ?? (await this.#checkUncached(match[1], policy));
      return { claims: verified.claims };
    } catch (error) {
      if (!(error instanceof ValidationFailure)) throw error;
      return { response: validateFailure(error, policy, policy.realm) };
    }
  }

  #form(source: TokenSource): URLSearchParams | undefined {
    if (!isForm(source.contentType) || source.body === undefined) return undefined;
    const form = new URLSearchParams(source.body);
    const tokens = form.getAll('token');
    if (tokens.length !== 1 || !tokens[0]) return undefined;
    return form;
  }

  #introspectionPolicy(): Policy | undefined {
    return this.#options.policies.get(this.#options.introspectionPolicy ?? 'default');
  }

  #count(claims: Record<string, unknown> | undefined, policy: Policy, failureReason?: string): void {
    if (!this.#options.usage) return;
    // Only claims whose signature was verified name a tenant/client: forged ones cannot inflate the table.
    const tid = claims && typeof claims.tid === 'string' ? claims.tid : '(unverified)';
    const client = (claims && clientIdOf(claims)) ?? '(unverified)';
    this.#options.usage.record(tid, client, policy.name, failureReason);
  }
}
