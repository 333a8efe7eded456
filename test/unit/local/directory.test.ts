import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Directory, DirectoryError } from '../../../local/directory/directory.js';
import { selfSigned } from '../../../local/keyvault/certs.js';

const dir = mkdtempSync(join(tmpdir(), 'directory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const DAY = 86_400_000;

describe('Directory', () => {
  it('keeps secrets only as hashes, even on disk', () => {
    const file = join(dir, 'hashes.json');
    const directory = new Directory({ file });
    const app = directory.addApplication({ displayName: 'app' });
    const added = directory.addPassword(app.appId, { displayName: 'first' });
    expect(added.hint).toBe(added.secretText.slice(0, 3));
    expect(readFileSync(file, 'utf8')).not.toContain(added.secretText);
    expect(directory.checkSecret(app.appId, added.secretText)).toBe('ok');
    expect(directory.checkSecret(app.appId, `${added.secretText}x`)).toBe('mismatch');
    expect(directory.checkSecret('unknown', added.secretText)).toBe('mismatch');
  });

  it('lets credentials authenticate only inside their start/end window', () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const directory = new Directory({ clock: () => now });
    const app = directory.addApplication({ displayName: 'app' });
    const secret = directory.addPassword(app.appId, {
      start: new Date(now + DAY),
      end: new Date(now + 2 * DAY),
    });
    expect(directory.checkSecret(app.appId, secret.secretText)).toBe('outside-window');
    now += 1.5 * DAY;
    expect(directory.checkSecret(app.appId, secret.secretText)).toBe('ok');
    now += DAY;
    expect(directory.checkSecret(app.appId, secret.secretText)).toBe('outside-window');

    const cert = selfSigned('CN=window', 12);
    directory.addKey(app.appId, cert.certPem, { start: new Date(now + DAY), end: new Date(now + 3 * DAY) });
    expect(directory.activeKeys(app.appId)).toHaveLength(0);
    now += 2 * DAY;
    expect(directory.activeKeys(app.appId)).toHaveLength(1);
  });

  it('records certificate thumbprints (SHA-1 and SHA-256) and refuses duplicates', () => {
    const directory = new Directory();
    const app = directory.addApplication({ displayName: 'app' });
    const cert = selfSigned('CN=thumbs', 12);
    const key = directory.addKey(app.appId, cert.certPem);
    expect(key.thumbprintSha1).toMatch(/^[0-9A-F]{40}$/);
    expect(key.thumbprintSha256).toMatch(/^[0-9A-F]{64}$/);
    expect(Buffer.from(key.x5t, 'base64url').toString('hex').toUpperCase()).toBe(key.thumbprintSha1);
    expect(() => directory.addKey(app.appId, cert.certPem)).toThrow(DirectoryError);
    directory.removeKey(app.appId, key.keyId);
    expect(directory.get(app.appId).keyCredentials).toEqual([]);
  });

  it('finds resources by app id or identifier URI, and grants app roles', () => {
    const directory = new Directory();
    const api = directory.addApplication({
      displayName: 'api',
      identifierUris: ['api://orders'],
      appRoles: [{ value: 'Orders.Read' }, { value: 'Orders.Write' }],
    });
    const client = directory.addApplication({ displayName: 'client' });
    expect(directory.findResource('API://orders/')?.appId).toBe(api.appId);
    expect(directory.findResource(api.appId)?.appId).toBe(api.appId);
    expect(directory.findResource('api://other')).toBeUndefined();
    directory.assignRole(client.appId, api.appId, 'Orders.Read');
    directory.assignRole(client.appId, api.appId, 'Orders.Read');
    expect(directory.rolesFor(client.appId, api.appId)).toEqual(['Orders.Read']);
    expect(() => directory.assignRole(client.appId, api.appId, 'Nope')).toThrow(/no app role/);
  });

  it('persists to a file and reloads the same tenant and apps', () => {
    const file = join(dir, 'persist.json');
    const first = new Directory({ file });
    const app = first.addApplication({ displayName: 'persisted', accessTokenAcceptedVersion: 2 });
    const secret = first.addPassword(app.appId);
    const second = new Directory({ file });
    expect(second.tenantId).toBe(first.tenantId);
    expect(second.find(app.appId)?.accessTokenAcceptedVersion).toBe(2);
    expect(second.checkSecret(app.appId, secret.secretText)).toBe('ok');
  });
});
