/** The data API's shapes (the contract with shared/dashboard/); times are ISO 8601 UTC. */
export const STATUSES = ['ok', 'notice', 'warning', 'critical', 'expired', 'unknown'] as const;
export type Status = (typeof STATUSES)[number];

export interface Credential {
  appId: string;
  appDisplayName: string;
  appObjectId: string;
  type: 'password' | 'certificate';
  keyId: string;
  displayName: string | null;
  hint: string | null;
  thumbprint: string | null;
  startDateTime: string | null;
  endDateTime: string | null;
  daysLeft: number | null;
  status: Status;
  lastUsedAt: string | null;
  lastUsedSource: 'signInActivity' | 'validatorUsage' | null;
  lastRotatedAt: string | null;
  rotationState: string | null;
  managed: boolean;
  owners: string[];
  stale: boolean;
  deleted: boolean;
}

export interface Run {
  at: string;
  outcome: 'succeeded' | 'partial' | 'failed' | 'dry-run';
  summary: string;
}

export interface Overview {
  generatedAt: string;
  total: number;
  counts: Record<Status, number>;
  thresholds: number[];
  nextToExpire: Credential[];
  appsWithoutValidCredential: Array<{ appId: string; appDisplayName: string }>;
  stillInUsePastGrace: Credential[];
  runs: { inventory: Run | null; rotation: Run | null };
}

export interface TimelineItem {
  appId: string;
  appDisplayName: string;
  keyId: string;
  type: Credential['type'];
  label: string | null;
  endDateTime: string;
  status: Status;
}

export interface Timeline {
  generatedAt: string;
  from: string;
  to: string;
  thresholds: number[];
  items: TimelineItem[];
}

export interface CredentialPage {
  total: number;
  page: number;
  pageSize: number;
  items: Credential[];
  owners: string[];
}

export interface AuditRecord {
  id: string;
  source: string;
  time: string;
  kind: string;
  subject: string;
  actor?: string;
  severity: 'info' | 'warning' | 'critical';
  details: Record<string, unknown>;
  appId?: string;
  outOfBand?: boolean;
  receivedAt: string;
}

export interface AuditPage {
  items: AuditRecord[];
  continuationToken: string | null;
}

export interface AppDetail {
  app: { appId: string; appDisplayName: string; owners: string[]; managed: boolean };
  credentials: Credential[];
  history: AuditRecord[];
  usage: Array<{ day: string; count: number }>;
}

/** Hint (passwords) or thumbprint (certificates): what tells two credentials of one app apart. */
export function credentialLabel(credential: { hint: string | null; thumbprint: string | null }): string {
  if (credential.hint) return `${credential.hint}…`;
  if (credential.thumbprint) return credential.thumbprint;
  return '—';
}
