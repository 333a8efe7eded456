import { unparseable } from './errors.js';
import { type AuditRecord, isObject, isoTime, type Json, str } from './record.js';

/**
 * One line of an Entra audit-log export (diagnostic settings to storage): `time`, `category`
 * "AuditLogs", `tenantId` and `properties`, the directoryAudit resource (Microsoft Graph
 * "directoryAudit resource type": id, activityDateTime, activityDisplayName, category, result,
 * initiatedBy.app|user, targetResources[].modifiedProperties[{displayName, oldValue, newValue}]).
 * Only the ApplicationManagement category is kept.
 */
export const KEPT_CATEGORY = 'ApplicationManagement';

/** Live entries write the dash as an en dash (U+2013), the documentation as a hyphen. */
export function unifyActivity(name: string): string {
  return name
    .replace(/[\u2010-\u2015\u2212-]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
}

export const CREDENTIAL_ACTIVITIES = [
  'Update application - Certificates and secrets management',
  'Add service principal credentials',
  'Remove service principal credentials',
].map((activity) => activity.toLowerCase());

/** Key ids named in a KeyDescription value: `[KeyIdentifier=<guid>,KeyType=Password,KeyUsage=Verify,DisplayName=<name>]`. */
export function keyIdentifiers(value: unknown): string[] {
  const found = new Set<string>();
  for (const match of str(typeof value === 'string' ? value : '').matchAll(
    /KeyIdentifier=([0-9a-fA-F-]{36})/g,
  )) {
    if (match[1]) found.add(match[1].toLowerCase());
  }
  return [...found];
}

function actorOf(initiatedBy: unknown): string | undefined {
  if (!isObject(initiatedBy)) return undefined;
  const { user, app } = initiatedBy;
  if (isObject(user))
    return str(user.userPrincipalName) || str(user.displayName) || str(user.id) || undefined;
  if (isObject(app))
    return str(app.displayName) || str(app.appId) || str(app.servicePrincipalId) || undefined;
  return undefined;
}

const unquote = (value: unknown) => str(value).replace(/^"+|"+$/g, '');

/**
 * The client id (appId) an entry names. `targetResources[].id` is the target's object id (the
 * application's, or the service principal's for "Add service principal credentials"), not its appId.
 * The appId comes from `additionalDetails`, a keyValue collection ({key, value}; Graph
 * "directoryAudit resource type"), whose `AppId` entry live exports carry (e.g. "Add service principal
 * credentials": User-Agent, AppId, AppOwnerOrganizationId, ServicePrincipalProvisioningType), or from
 * a modified `AppId` property; only without either is the object id the subject.
 */
function appIdOf(additionalDetails: unknown): string {
  if (!Array.isArray(additionalDetails)) return '';
  const entry = additionalDetails.find((d): d is Json => isObject(d) && str(d.key).toLowerCase() === 'appid');
  return entry ? unquote(entry.value) : '';
}

export interface EntraAuditEntry {
  record: AuditRecord;
  added: string[];
  removed: string[];
}

/** Undefined for a category the trail does not keep; throws for a line that is no audit entry. */
export function entraAuditEntry(line: unknown): EntraAuditEntry | undefined {
  if (!isObject(line) || !isObject(line.properties)) throw unparseable('An audit-log line needs properties.');
  const properties = line.properties;
  if (str(properties.category) !== KEPT_CATEGORY) return undefined;
  const id = str(properties.id);
  if (!id) throw unparseable('An audit-log entry needs properties.id.');
  const time = isoTime(properties.activityDateTime) ?? isoTime(line.time);
  if (!time) throw unparseable('An audit-log entry needs properties.activityDateTime.');
  const activity = unifyActivity(str(properties.activityDisplayName));
  const targets = Array.isArray(properties.targetResources)
    ? properties.targetResources.filter(isObject)
    : [];
  const target = targets[0] ?? {};
  const modified = targets.flatMap((t) => (Array.isArray(t.modifiedProperties) ? t.modifiedProperties : []));
  const property = (name: string): Json | undefined =>
    modified.find((p): p is Json => isObject(p) && str(p.displayName).toLowerCase() === name.toLowerCase());
  const keys = property('KeyDescription');
  const before = keyIdentifiers(keys?.oldValue);
  const after = keyIdentifiers(keys?.newValue);
  const added = after.filter((k) => !before.includes(k));
  const removed = before.filter((k) => !after.includes(k));
  const result = str(properties.result) || 'unknown';
  const credential = CREDENTIAL_ACTIVITIES.includes(activity.toLowerCase());
  const appId =
    appIdOf(properties.additionalDetails) ||
    unquote(property('AppId')?.newValue) ||
    str(target.id) ||
    undefined;
  const record: AuditRecord = {
    id,
    source: 'entra',
    time,
    kind: credential ? 'CredentialChange' : 'ApplicationChange',
    subject: appId ?? str(target.displayName),
    severity: result === 'success' ? 'info' : 'warning',
    details: {
      activity,
      result,
      targetId: str(target.id),
      targetName: str(target.displayName),
      added,
      removed,
      tenantId: str(line.tenantId),
    },
  };
  const actor = actorOf(properties.initiatedBy);
  if (actor) record.actor = actor;
  if (appId) record.appId = appId;
  return { record, added, removed };
}
