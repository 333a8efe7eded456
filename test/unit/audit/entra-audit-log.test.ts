import { describe, expect, it } from 'vitest';
import { credentialChangeLine } from '../../../local/entra-audit-logs.js';
import { entraAuditEntry, keyIdentifiers, unifyActivity } from '../../../shared/audit/entra-audit-log.js';
import { AuditEventError } from '../../../shared/audit/errors.js';

const tenantId = '11111111-1111-1111-1111-111111111111';
const added = '22222222-2222-2222-2222-222222222222';
const removed = '33333333-3333-3333-3333-333333333333';
const base = {
  tenantId,
  time: new Date('2026-11-22T10:05:00Z'),
  appObjectId: 'obj-1',
  appId: 'aaaaaaaa-0000-0000-0000-000000000001',
  appDisplayName: 'Orders API',
};

describe('Entra audit-log entries', () => {
  it.each([
    [
      'Update application - Certificates and secrets management',
      'Update application - Certificates and secrets management',
    ],
    [
      'Update application \u2013 Certificates and secrets management ',
      'Update application - Certificates and secrets management',
    ],
    ['  Add service principal credentials', 'Add service principal credentials'],
  ])('unifies the dash and trims %j', (raw, unified) => {
    expect(unifyActivity(raw)).toBe(unified);
  });

  it('parses KeyDescription values into keyIds', () => {
    const value = JSON.stringify([
      `[KeyIdentifier=${added.toUpperCase()},KeyType=Password,KeyUsage=Verify,DisplayName=a]`,
      `[KeyIdentifier=${removed},KeyType=AsymmetricX509Cert,KeyUsage=Verify,DisplayName=b]`,
    ]);
    expect(keyIdentifiers(value)).toEqual([added, removed]);
    expect(keyIdentifiers(null)).toEqual([]);
    expect(keyIdentifiers('[]')).toEqual([]);
  });

  it.each(['-', '\u2013'] as const)('records a credential change written with dash %j', (dash) => {
    const line = JSON.parse(
      credentialChangeLine({ ...base, dash, added: [added], removed: [removed], id: 'Directory_1' }),
    );
    const entry = entraAuditEntry(line);
    expect(entry?.added).toEqual([added]);
    expect(entry?.removed).toEqual([removed]);
    expect(entry?.record).toEqual({
      id: 'Directory_1',
      source: 'entra',
      time: '2026-11-22T10:05:00.000Z',
      kind: 'CredentialChange',
      subject: base.appId,
      appId: base.appId,
      actor: 'admin@contoso.example',
      severity: 'info',
      details: {
        activity: 'Update application - Certificates and secrets management',
        result: 'success',
        targetId: 'obj-1',
        targetName: 'Orders API',
        added: [added],
        removed: [removed],
        tenantId,
      },
    });
  });

  it('keeps only ApplicationManagement, and names the app actor when no user acted', () => {
    const line = JSON.parse(credentialChangeLine({ ...base, added: [added] }));
    expect(
      entraAuditEntry({ ...line, properties: { ...line.properties, category: 'UserManagement' } }),
    ).toBeUndefined();
    const byApp = { ...line.properties, initiatedBy: { app: { displayName: 'Rotation bot', appId: 'x' } } };
    expect(entraAuditEntry({ ...line, properties: byApp })?.record.actor).toBe('Rotation bot');
    const failed = { ...line.properties, result: 'failure' };
    expect(entraAuditEntry({ ...line, properties: failed })?.record.severity).toBe('warning');
  });

  it("takes the appId from additionalDetails, else a modified AppId, else the target's object id", () => {
    const line = JSON.parse(credentialChangeLine({ ...base, added: [added] }));
    const [target] = line.properties.targetResources;
    // "Add service principal credentials" as exported: the target is the service principal (object
    // id), and the appId is only in additionalDetails.
    const servicePrincipal = {
      ...line.properties,
      activityDisplayName: 'Add service principal credentials',
      targetResources: [
        {
          ...target,
          id: 'sp-object-1',
          type: 'ServicePrincipal',
          modifiedProperties: target.modifiedProperties.filter(
            (p: { displayName: string }) => p.displayName !== 'AppId',
          ),
        },
      ],
      additionalDetails: [
        { key: 'User-Agent', value: 'x' },
        { key: 'AppId', value: base.appId },
        { key: 'AppOwnerOrganizationId', value: tenantId },
      ],
    };
    const fromDetails = entraAuditEntry({ ...line, properties: servicePrincipal })?.record;
    expect(fromDetails).toMatchObject({
      appId: base.appId,
      kind: 'CredentialChange',
      details: { targetId: 'sp-object-1' },
    });
    expect(entraAuditEntry(line)?.record.appId).toBe(base.appId);
    const neither = { ...servicePrincipal, additionalDetails: [] };
    expect(entraAuditEntry({ ...line, properties: neither })?.record.appId).toBe('sp-object-1');
  });

  it('refuses a line that is no audit entry', () => {
    expect(() => entraAuditEntry([1, 2])).toThrow(AuditEventError);
    const line = JSON.parse(credentialChangeLine(base));
    expect(() => entraAuditEntry({ ...line, properties: { ...line.properties, id: '' } })).toThrow(
      /properties.id/,
    );
  });
});
