import { describe, expect, it } from 'vitest';
import { checkAuthorization, checkTimes } from '../../../shared/validation/claims.js';
import { REASONS, ValidationFailure } from '../../../shared/validation/errors.js';
import { type Policy, policySchema } from '../../../shared/validation/policy.js';

const policy: Policy = {
  ...policySchema.parse({
    tenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'],
    audiences: ['api://demo'],
    requiredScopes: ['Orders.Read'],
  }),
  name: 'default',
};
const now = 1_800_000_000;

function failureOf(check: () => void): ValidationFailure {
  try {
    check();
  } catch (error) {
    if (error instanceof ValidationFailure) return error;
    throw error;
  }
  throw new Error('the check passed');
}

describe('validation failures carry a machine-readable reason beside the prose', () => {
  it.each([
    ['expired', { exp: now - 3600, nbf: now - 7200 }, 'expired', 'exp', 401],
    ['not yet valid', { exp: now + 3600, nbf: now + 3600 }, 'not_yet_valid', 'nbf', 401],
    ['no expiry', { nbf: now }, 'exp_missing', 'exp', 401],
  ])('%s', (_name, claims, reason, claim, status) => {
    const failure = failureOf(() => checkTimes(claims, policy, now));
    expect({
      reason: failure.reason,
      claim: failure.claim,
      status: failure.status,
      code: failure.code,
    }).toEqual({
      reason,
      claim,
      status,
      code: 'invalid_token',
    });
    expect(failure.description).toBe(REASONS[failure.reason].description);
  });

  it('audience and scope', () => {
    const audience = failureOf(() => checkAuthorization({ aud: 'api://other', scp: 'Orders.Read' }, policy));
    expect([audience.reason, audience.claim, audience.description]).toEqual([
      'audience',
      'aud',
      'audience not accepted',
    ]);
    const scope = failureOf(() => checkAuthorization({ aud: 'api://demo', scp: 'Orders.Write' }, policy));
    expect([scope.reason, scope.claim, scope.code, scope.status]).toEqual([
      'scope',
      'scp',
      'insufficient_scope',
      403,
    ]);
  });

  it('every reason has its own description, so the prose still tells them apart', () => {
    const descriptions = Object.values(REASONS).map((spec) => spec.description);
    expect(new Set(descriptions).size).toBe(descriptions.length);
  });
});
