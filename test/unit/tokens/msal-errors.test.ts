import { AuthError, ServerError } from '@azure/msal-node';
import { describe, expect, it } from 'vitest';
import { mapMsalError, type Throttle } from '../../../shared/tokens/msal.js';

const SCOPE = 'api://x/.default';

describe('msal-node errors → typed errors', () => {
  it('an Entra rejection keeps the AADSTS code and correlation id', () => {
    const error = new ServerError(
      'invalid_client',
      'corr-1',
      'Error(s): 700027 - Description: AADSTS700027: Client assertion contains an invalid signature.',
      undefined,
      '700027',
      401,
    );
    expect(mapMsalError(error, SCOPE)).toMatchObject({
      code: 'idp_rejected',
      aadsts: 700027,
      correlationId: 'corr-1',
      message: 'The identity provider rejected the token request: AADSTS700027',
    });
  });

  it('429 and 5xx are throttled / unavailable with Retry-After from what MSAL will replay', () => {
    const throttles = new Map<string, Throttle>([[SCOPE, { until: Date.now() + 42_000, status: 429 }]]);
    const first = new ServerError('temporarily_unavailable', 'c', 'busy', undefined, undefined, 429);
    expect(mapMsalError(first, SCOPE, { throttles })).toMatchObject({ code: 'throttled' });
    expect(
      (mapMsalError(first, SCOPE, { throttles }) as { retryAfterSeconds: number }).retryAfterSeconds,
    ).toBeGreaterThan(40);
    // The replayed error has no status: MSAL rebuilt it from its throttling cache.
    const replay = new ServerError('', 'c2', 'busy');
    expect(mapMsalError(replay, SCOPE, { throttles })).toMatchObject({ code: 'throttled' });
    const down = new Map<string, Throttle>([[SCOPE, { until: Date.now() + 60_000, status: 503 }]]);
    expect(mapMsalError(replay, SCOPE, { throttles: down })).toMatchObject({ code: 'idp_unavailable' });
    expect(
      mapMsalError(new ServerError('server_error', 'c', 'x', undefined, undefined, 500), SCOPE),
    ).toMatchObject({
      code: 'idp_unavailable',
      retryAfterSeconds: 60,
    });
  });

  it('network failures are idp_unavailable; anything else passes through untouched', () => {
    const network = new AuthError('network_error', 'Network request failed: ECONNREFUSED');
    expect(mapMsalError(network, SCOPE)).toMatchObject({ code: 'idp_unavailable', retryAfterSeconds: 5 });
    const other = new Error('boom');
    expect(mapMsalError(other, SCOPE)).toBe(other);
  });
});
