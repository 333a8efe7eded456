import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CredentialActivity } from '../../../local/directory/credential-activity.js';
import { Directory } from '../../../local/directory/directory.js';

/** What the directory keeps for the Graph stand-in: owners, the delta change sequence, credential uses. */
const dir = mkdtempSync(join(tmpdir(), 'graph-directory-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('directory for Graph', () => {
  it('names the secret that matched', () => {
    const directory = new Directory();
    const app = directory.addApplication({ displayName: 'app' });
    directory.addPassword(app.appId, { secretText: 'first-secret' });
    const second = directory.addPassword(app.appId, { secretText: 'second-secret' });
    expect(directory.matchSecret(app.appId, 'second-secret')).toEqual({ result: 'ok', keyId: second.keyId });
    expect(directory.matchSecret(app.appId, 'nope')).toEqual({ result: 'mismatch' });
  });

  it('finds owned applications and applications by object or service principal id', () => {
    const directory = new Directory();
    const owner = directory.addApplication({ displayName: 'owner' });
    const owned = directory.addApplication({ displayName: 'owned', owners: [owner.servicePrincipalId] });
    const later = directory.addApplication({ displayName: 'later' });
    directory.addOwner(later.appId, owner.servicePrincipalId.toUpperCase());
    directory.addOwner(later.appId, owner.servicePrincipalId); // no duplicate
    expect(directory.ownedBy(owner.servicePrincipalId).map((a) => a.appId)).toEqual([
      owned.appId,
      later.appId,
    ]);
    expect(later.owners).toHaveLength(1);
    expect(directory.findByObjectId(owned.id.toUpperCase())?.appId).toBe(owned.appId);
    expect(directory.findByServicePrincipalId(owner.servicePrincipalId)?.appId).toBe(owner.appId);
    expect(directory.findByObjectId('missing')).toBeUndefined();
  });

  it('reports changes and removals after a point of the change sequence', () => {
    const directory = new Directory();
    const a = directory.addApplication({ displayName: 'a' });
    const b = directory.addApplication({ displayName: 'b' });
    const mark = directory.changeSequence;
    expect(directory.changesSince(mark)).toEqual({ sequence: mark, changed: [], removed: [] });
    directory.addPassword(a.appId);
    directory.removeApplication(b.appId);
    const changes = directory.changesSince(mark);
    expect(changes.changed.map((app) => app.appId)).toEqual([a.appId]);
    expect(changes.removed).toEqual([b.id]);
    // A link from a sequence this process never reached (before a restart): everything is new.
    expect(directory.changesSince(changes.sequence + 10).changed.map((app) => app.appId)).toEqual([a.appId]);
  });

  it('takes a role back', () => {
    const directory = new Directory();
    const resource = directory.addApplication({
      displayName: 'graph',
      appRoles: [{ value: 'AuditLog.Read.All' }],
    });
    const client = directory.addApplication({ displayName: 'client' });
    directory.assignRole(client.appId, resource.appId, 'AuditLog.Read.All');
    expect(directory.rolesFor(client.appId, resource.appId)).toEqual(['AuditLog.Read.All']);
    directory.unassignRole(client.appId, resource.appId, 'AuditLog.Read.All');
    expect(directory.rolesFor(client.appId, resource.appId)).toEqual([]);
  });
});

describe('credential activity', () => {
  it('keeps the last use per keyId, across a restart when it has a file', () => {
    const file = join(dir, 'activity.json');
    const activity = new CredentialActivity(file);
    const use = {
      appId: 'app',
      keyId: 'k1',
      keyType: 'clientSecret' as const,
      resourceAppId: 'api',
      lastSignInDateTime: '2026-01-01T00:00:00.000Z',
      lastSignInRequestId: 'r1',
    };
    activity.record(use);
    activity.record({ ...use, lastSignInDateTime: '2026-01-02T00:00:00.000Z', lastSignInRequestId: 'r2' });
    expect(activity.all()).toHaveLength(1);
    expect(new CredentialActivity(file).forKey('k1')?.lastSignInRequestId).toBe('r2');
    expect(new CredentialActivity().all()).toEqual([]);
  });
});
