import { describe, expect, it } from 'vitest';
import { generateKeys, hasKey, isAuthorized, isSystemKey, presentedKey } from '../../../local/host/keys.js';

const keys = {
  master: 'master-key',
  host: { default: 'host-key' },
  functions: { token: { default: 'token-key' } },
  system: { eventgrid_extension: 'eg-key' },
};

describe('function keys', () => {
  it('anonymous needs no key', () => {
    expect(isAuthorized('anonymous', 'health', undefined, keys)).toBe(true);
  });

  it.each([
    ['master-key', true],
    ['host-key', true],
    ['token-key', true],
    ['eg-key', false],
    ['wrong', false],
    ['', false],
  ])('function level with %s → %s', (key, expected) => {
    expect(isAuthorized('function', 'token', key || undefined, keys)).toBe(expected);
  });

  it('a function key only opens its own function', () => {
    expect(isAuthorized('function', 'validate', 'token-key', keys)).toBe(false);
  });

  it('admin level needs the master key', () => {
    expect(isAuthorized('admin', 'token', 'host-key', keys)).toBe(false);
    expect(isAuthorized('admin', 'token', 'master-key', keys)).toBe(true);
  });

  it('system keys are checked by name, and the master key also works', () => {
    expect(isSystemKey('eventgrid_extension', 'eg-key', keys)).toBe(true);
    expect(isSystemKey('eventgrid_extension', 'master-key', keys)).toBe(true);
    expect(isSystemKey('eventgrid_extension', 'host-key', keys)).toBe(false);
    expect(isSystemKey('eventgrid_extension', undefined, keys)).toBe(false);
  });

  it('generates distinct, long keys', () => {
    const a = generateKeys();
    const b = generateKeys();
    expect(a.master).not.toBe(b.master);
    expect(a.master.length).toBeGreaterThanOrEqual(40);
    expect(a.system.eventgrid_extension).toBeTruthy();
  });

  it('reads the key from x-functions-key, else from the code query parameter', () => {
    const url = new URL('http://h/api/token?code=host-key');
    expect(presentedKey({ 'x-functions-key': 'token-key' }, url)).toBe('token-key');
    expect(presentedKey({}, url)).toBe('host-key');
    expect(presentedKey({}, new URL('http://h/api/token'))).toBeUndefined();
  });

  it('checks one requirement per surface: an auth level or a system key', () => {
    const url = (code: string) => new URL(`http://h/x?code=${code}`);
    const tokenFunction = { authLevel: 'function', functionName: 'token' } as const;
    expect(hasKey(tokenFunction, {}, url('token-key'), keys)).toBe(true);
    expect(hasKey(tokenFunction, { 'x-functions-key': 'wrong' }, url('token-key'), keys)).toBe(false);
    expect(hasKey({ authLevel: 'admin', functionName: 'token' }, {}, url('host-key'), keys)).toBe(false);
    expect(hasKey({ systemKey: 'eventgrid_extension' }, {}, url('eg-key'), keys)).toBe(true);
    expect(hasKey({ systemKey: 'eventgrid_extension' }, {}, url('token-key'), keys)).toBe(false);
  });
});
