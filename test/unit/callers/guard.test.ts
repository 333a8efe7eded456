import { describe, expect, it } from 'vitest';
import { loadGrants } from '../../../shared/callers/grants.js';
import { CallerGuard, type CallerVerifier, KEY_CALLER } from '../../../shared/callers/guard.js';
import type { IssuanceCounter } from '../../../shared/callers/issuance.js';
import type { Logger } from '../../../shared/platform/log.js';

const A = '11111111-1111-1111-1111-111111111111';
const B = '22222222-2222-2222-2222-222222222222';
const ROLE_ONLY = '33333333-3333-3333-3333-333333333333';
const TID = 'aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa';
const API = 'api://orders/.default';
const OTHER = 'api://other/.default';
const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Logger;

/** Verifies "Bearer <client id>[:roles]" tokens; anything else is a 401 (the validator's job, tested there). */
const verify: CallerVerifier = async (authorization) => {
  const match = /^Bearer ([^:]+)(?::(.*))?$/.exec(authorization ?? '');
  if (!match)
    return { response: { status: 401, headers: { 'www-authenticate': 'Bearer realm="callers"' }, body: '' } };
  return { claims: { azp: match[1], tid: TID, roles: match[2] ? match[2].split(',') : undefined } };
};

function guard(options: { allowKeyOnly?: boolean; configured?: boolean; legacy?: boolean } = {}) {
  const issued: string[] = [];
  const issuance: IssuanceCounter = { record: (...args) => issued.push(args.join(' ')) };
  const grants = loadGrants(
    {
      Callers__a__ClientId: A,
      Callers__a__Clients: 'default,pfx',
      Callers__a__Scopes: API,
      Callers__a__Operations: 'token,introspect',
      Callers__b__ClientId: B,
      Callers__b__Clients: 'ghost',
    },
    new Set(['default', 'pfx']),
  );
  const g = new CallerGuard({
    verifier: options.configured === false ? undefined : { policy: 'callers', verify },
    legacyIntrospectionPolicy: options.legacy ?? false,
    allowKeyOnly: options.allowKeyOnly ?? false,
    grants,
    issuance,
    log: silent,
  });
  return { g, issued };
}

describe('CallerGuard', () => {
  it('admits a granted caller and holds /api/token to its clients and scopes', async () => {
    const { g, issued } = guard();
    const admission = await g.admit('token', `Bearer ${A}`);
    if (!admission.ok) throw new Error('refused');
    const { tokenGrant } = admission.caller;
    expect(admission.caller.id).toBe('a');
    expect(tokenGrant.refuses('default', API)).toBeUndefined();
    expect(tokenGrant.refuses('pfx', OTHER)).toBe('scope');
    expect(tokenGrant.refuses('other', API)).toBe('client');
    tokenGrant.issued('default', API);
    expect(issued).toEqual([`${A} ${TID} default ${API}`]);
  });

  it.each([
    ['no token, key-only refused', { allowKeyOnly: false }, undefined, 'token', 401],
    [
      'another scheme than Bearer, where a key alone will do: served as the key',
      { allowKeyOnly: true },
      'Basic x',
      'token',
      200,
    ],
    ['an operation not granted', {}, `Bearer ${A}`, 'revoke', 403],
    ['a caller whose settings name an unknown client', {}, `Bearer ${B}`, 'token', 503],
    ['a caller with no settings and no roles, for usage', {}, `Bearer ${ROLE_ONLY}`, 'usage', 403],
    ['a caller with the Audit.Read role, for usage', {}, `Bearer ${ROLE_ONLY}:Audit.Read`, 'usage', 200],
    [
      'the legacy alias: any valid token may introspect',
      { legacy: true, allowKeyOnly: true },
      `Bearer ${ROLE_ONLY}`,
      'introspect',
      200,
    ],
    [
      'the legacy alias: introspection still needs a token',
      { legacy: true, allowKeyOnly: true },
      undefined,
      'introspect',
      401,
    ],
    [
      'the legacy alias: a configured caller keeps to its grants',
      { legacy: true },
      `Bearer ${A}`,
      'revoke',
      403,
    ],
  ] as const)('%s', async (_name, options, authorization, operation, status) => {
    const admission = await guard(options).g.admit(operation, authorization ?? null);
    expect(admission.ok ? 200 : admission.response.status).toBe(status);
    if (!admission.ok && status === 403)
      expect(JSON.parse(admission.response.body)).toMatchObject({ code: 'operation_not_granted' });
  });

  it('a role-only caller is granted no token client (client mapping stays in settings)', async () => {
    const admission = await guard().g.admit('token', `Bearer ${ROLE_ONLY}:Tokens.Request`);
    if (!admission.ok) throw new Error('refused');
    expect(admission.caller.tokenGrant.refuses('default', API)).toBe('client');
  });

  it('a key-only call (allowed) gets every client and is counted as the function key', async () => {
    const { g, issued } = guard({ allowKeyOnly: true });
    const admission = await g.admit('token', null);
    if (!admission.ok) throw new Error('refused');
    expect(admission.caller.tokenGrant.refuses('anything', OTHER)).toBeUndefined();
    admission.caller.tokenGrant.issued('pfx', OTHER);
    expect(issued).toEqual([`${KEY_CALLER} (key) pfx ${OTHER}`]);
  });

  it('admitKeyOnly: the key-only admission without waiting, the same each call; undefined when admit must decide', async () => {
    const { g, issued } = guard({ allowKeyOnly: true });
    const first = g.admitKeyOnly('token', null);
    expect(first).toBe(g.admitKeyOnly('token', 'Basic abc'));
    expect(first).toBe(await g.admit('token', null));
    if (!first?.ok) throw new Error('refused');
    first.caller.tokenGrant.issued('pfx', OTHER);
    expect(issued).toEqual([`${KEY_CALLER} (key) pfx ${OTHER}`]);
    // A caller token is verified, and a key alone is refused where a token is required.
    expect(g.admitKeyOnly('token', `Bearer ${A}`)).toBeUndefined();
    expect(guard({ allowKeyOnly: false }).g.admitKeyOnly('token', null)).toBeUndefined();
    expect(guard({ allowKeyOnly: true, legacy: true }).g.admitKeyOnly('introspect', null)).toBeUndefined();
  });

  it("with no caller policy, nothing is checked (today's behaviour)", async () => {
    const admission = await guard({ configured: false }).g.admit('revoke', `Bearer ${B}`);
    expect(admission.ok && admission.caller.id).toBe(KEY_CALLER);
  });

  it('reports name a caller by its name or its client id', async () => {
    const admission = await guard().g.admit('token', `Bearer ${A}`);
    if (!admission.ok) throw new Error('refused');
    expect(admission.caller.clientIdOf('a')).toBe(A);
    expect(admission.caller.clientIdOf(B)).toBe(B);
  });
});
