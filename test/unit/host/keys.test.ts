import { describe, expect, it } from 'vitest';
import { generateKeys, isAuthorized, isSystemKey } from '../../../local/host/keys.js';

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
});
