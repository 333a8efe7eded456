import { describe, expect, it } from 'vitest';
import { createCallersRuntime, type ValidatorPort } from '../../../shared/callers/runtime.js';

const validator =
  (policies: string[] = ['callers']): (() => ValidatorPort) =>
  () => ({
    ok: true,
    policies: new Set(policies),
    verify: async () => ({ claims: { azp: 'x' } }),
    usage: { record() {} },
  });

describe('createCallersRuntime', () => {
  it('is ready with nothing set: key-only calls, as before', () => {
    const runtime = createCallersRuntime({}, { validator: validator() });
    expect(runtime.ok && runtime.allowKeyOnly).toBe(true);
  });

  it.each([
    [{ Callers__AllowKeyOnly: 'false' }, 'Callers__AllowKeyOnly=false needs Callers__Audience'],
    [{ Callers__AllowKeyOnly: 'maybe' }, 'Callers__AllowKeyOnly: must be true or false'],
    [
      { Callers__Audience: 'api://p', Callers__Policy: 'mine' },
      'Callers__Policy and Callers__Audience are both set',
    ],
    [{ Callers__Policy: 'mine' }, 'no validation policy named "mine"'],
    [{ Validation__IntrospectionCallerPolicy: 'gone' }, 'no validation policy named "gone"'],
  ])('refuses %j', (env, problem) => {
    const runtime = createCallersRuntime(env, { validator: validator() });
    expect(runtime.ok ? [] : runtime.problems.join('\n')).toContain(problem);
  });

  it('needs a working validator once a caller policy is set', () => {
    const runtime = createCallersRuntime(
      { Callers__Audience: 'api://p' },
      { validator: () => ({ ok: false, problems: ['Validation__Policies: is not valid JSON'] }) },
    );
    expect(runtime.ok ? [] : runtime.problems).toEqual([
      'Callers: caller tokens cannot be checked while Validation is not configured',
    ]);
  });

  it('lists a caller naming an unknown client as a warning, and stays ready', () => {
    const runtime = createCallersRuntime(
      { Callers__Audience: 'api://p', Callers__a__ClientId: 'x', Callers__a__Clients: 'ghost' },
      { validator: validator(), tokenClients: () => new Set(['default']) },
    );
    expect(runtime.ok && runtime.warnings).toEqual([
      'Callers__a__Clients: "ghost" is not a configured token client',
    ]);
  });
});
