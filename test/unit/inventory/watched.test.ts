import { describe, expect, it } from 'vitest';
import type { WatchedApp } from '../../../shared/inventory/model.js';
import { appFromGraph, graphDate, uniqueIds, WatchedApps } from '../../../shared/inventory/watched.js';

const app = (objectId: string, owners: string[], appId = `app-${objectId}`): WatchedApp => ({
  objectId,
  appId,
  displayName: objectId,
  owners,
  credentials: [],
});

describe('watched apps are de-duplicated', () => {
  it.each([
    ['the same app from two owners, in another case: once', [app('A', ['sp1']), app('a', ['sp2'])], ['A']],
    ['the same owner twice', [app('A', ['sp1']), app('A', ['SP1'])], ['A']],
    ['different apps', [app('A', ['sp1']), app('B', ['sp1'])], ['A', 'B']],
  ])('%s', (_case, input, expected) => {
    const apps = new WatchedApps();
    const taken = input.filter((entry) => apps.add(entry)).map((entry) => entry.objectId);
    expect(taken).toEqual(expected);
    expect(apps.size).toBe(expected.length);
  });

  it('finds an app by client id and object id case-insensitively (an Inventory__AppIds entry already listed is not fetched again)', () => {
    const apps = new WatchedApps();
    apps.add(app('A', [], 'ABC-1'));
    expect(apps.hasAppId('abc-1')).toBe(true);
    expect(apps.hasAppId('abc-2')).toBe(false);
    expect(apps.hasObjectId('a')).toBe(true);
  });

  it('uniqueIds trims, drops empties and repeats in any case', () => {
    expect(uniqueIds([' a ', 'A', '', 'b', 'B '])).toEqual(['a', 'b']);
  });
});

describe('Graph dates', () => {
  it.each([
    [null, null],
    ['', null],
    ['garbage', null],
    ['0001-01-01T00:00:00Z', null],
    ['2027-03-01T10:00:00Z', '2027-03-01T10:00:00.000Z'],
  ])('%j → %j', (value, expected) => {
    expect(graphDate(value)).toBe(expected);
  });

  it('maps secrets and certificates, null dates as unknown', () => {
    const mapped = appFromGraph({
      id: 'obj',
      appId: 'app',
      displayName: 'Acme',
      passwordCredentials: [
        { keyId: 'k1', displayName: 'one', hint: 'abc', startDateTime: null, endDateTime: null },
      ],
      keyCredentials: [
        {
          keyId: 'k2',
          displayName: 'cert',
          customKeyIdentifier: 'AB12',
          endDateTime: '2027-01-01T00:00:00Z',
        },
      ],
    });
    expect(mapped.credentials).toEqual([
      {
        type: 'password',
        keyId: 'k1',
        displayName: 'one',
        hint: 'abc',
        thumbprint: null,
        startDateTime: null,
        endDateTime: null,
      },
      {
        type: 'certificate',
        keyId: 'k2',
        displayName: 'cert',
        hint: null,
        thumbprint: 'AB12',
        startDateTime: null,
        endDateTime: '2027-01-01T00:00:00.000Z',
      },
    ]);
  });
});
