import type { StoredAuditRecord } from '../audit/record.js';
import type { CredentialItem } from '../inventory/report.js';
import type { RunOutcome } from '../platform/run-outcome.js';

/** The shapes the page reads (the dashboard contract). Never a secret value. */
export interface Credential {
  appId: string;
  appDisplayName: string;
  appObjectId: string;
  type: CredentialItem['type'];
  keyId: string;
  displayName: string | null;
  /** Graph's own 3-character hint, nothing more. */
  hint: string | null;
  thumbprint: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  daysLeft: number | null;
  status: CredentialItem['status'];
  lastUsedAt: string | null;
  lastUsedSource: CredentialItem['lastUsedSource'];
  lastRotatedAt: string | null;
  rotationState: CredentialItem['rotationState'];
  managed: boolean;
  owners: string[];
  stale: boolean;
  deleted: boolean;
}

export type Run = RunOutcome;

export type AuditRecord = StoredAuditRecord;

/** Picks the contract's fields, so nothing else the inventory adds later reaches the page by accident. */
export function credentialOf(item: CredentialItem): Credential {
  return {
    appId: item.appId,
    appDisplayName: item.appDisplayName,
    appObjectId: item.objectId,
    type: item.type,
    keyId: item.keyId,
    displayName: item.displayName,
    hint: item.hint === null ? null : item.hint.slice(0, 3),
    thumbprint: item.thumbprint,
    startDateTime: item.startDateTime,
    endDateTime: item.endDateTime,
    daysLeft: item.daysLeft,
    status: item.status,
    lastUsedAt: item.lastUsedAt,
    lastUsedSource: item.lastUsedSource,
    lastRotatedAt: item.lastRotatedAt,
    rotationState: item.rotationState,
    managed: item.managed,
    owners: item.owners,
    stale: item.stale,
    deleted: item.deleted,
  };
}
