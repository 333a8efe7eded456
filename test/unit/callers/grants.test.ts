import { describe, expect, it } from 'vitest';
import { loadGrants, roleOperations } from '../../../shared/callers/grants.js';

const known = new Set(['default', 'pfx']);

describe('loadGrants', () => {
  it('reads each Callers__<name> (operations default to token; clients to none)', () => {
    const { byClientId, warnings, misconfigured } = loadGrants(
      { Callers__apim__ClientId: 'AAAA', Callers__envoy__ClientId: 'bbbb', Callers__envoy__Clients: 'pfx' },
      known,
    );
    expect(warnings).toEqual([]);
    expect(misconfigured.size).toBe(0);
    expect([...(byClientId.get('aaaa')?.operations ?? [])]).toEqual(['token']);
    expect(byClientId.get('aaaa')?.clients.size).toBe(0);
    expect(byClientId.get('bbbb')?.scopes).toBeUndefined();
  });

  it.each([
    [
      { Callers__x__ClientId: 'c', Callers__x__Clients: 'ghost' },
      'Callers__x__Clients: "ghost" is not a configured token client',
    ],
    [
      { Callers__x__ClientId: 'c', Callers__x__Operations: 'token,admin' },
      'Callers__x__Operations: "admin" is not one of',
    ],
    [
      { Callers__x__ClientId: 'c', Callers__x__Scopes: 'User.Read' },
      'Callers__x__Scopes: "User.Read" is not a <resource>/.default scope',
    ],
  ])('a bad setting makes that caller misconfigured, no other: %j', (env, problem) => {
    const { warnings, misconfigured, byClientId } = loadGrants(
      { ...env, Callers__ok__ClientId: 'd' } as Record<string, string>,
      known,
    );
    expect(warnings.join('\n')).toContain(problem);
    expect([...misconfigured]).toEqual(['x']);
    expect(byClientId.has('c')).toBe(true);
  });

  it('two callers with one client id are both misconfigured; one without a client id is ignored', () => {
    const { warnings, misconfigured } = loadGrants(
      { Callers__a__ClientId: 'same', Callers__b__ClientId: 'SAME', Callers__c__Clients: 'default' },
      known,
    );
    expect([...misconfigured].sort()).toEqual(['a', 'b']);
    expect(warnings).toContain('Callers__c__ClientId: required; the caller "c" is ignored');
  });

  it('unknown clients are not checked when token acquisition is not configured', () => {
    expect(loadGrants({ Callers__a__ClientId: 'x', Callers__a__Clients: 'any' }, undefined).warnings).toEqual(
      [],
    );
  });

  it('maps the product API app roles to operations', () => {
    expect([...roleOperations(['Tokens.Request', 'Audit.Read', 'Orders.Read'])].sort()).toEqual([
      'audit',
      'token',
      'usage',
    ]);
  });
});
