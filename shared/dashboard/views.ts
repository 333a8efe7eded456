import type { CredentialItem } from '../inventory/report.js';
import { STATUSES } from '../inventory/status.js';
import { type Credential, credentialOf, type Run } from './model.js';

/**
 * The overview and the timeline, pure functions of the inventory's items and now. Status and days
 * left come from the inventory (computed for now from the stored dates, as `/api/credentials`).
 */
const DAY_MS = 86_400_000;
const NEXT_TO_EXPIRE = 10;

const time = (iso: string | null): number | undefined => {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
};

/** Valid now: started (or no start known) and not ended; an unknown end is not known to be valid. */
function validNow(item: CredentialItem, now: number): boolean {
  const end = time(item.endDateTime);
  const start = time(item.startDateTime);
  return end !== undefined && end > now && (start === undefined || start <= now);
}

/**
 * An old credential still signing in after its rotation's grace: rotation replaced it (complete)
 * more than `graceDays` ago and the last-use source saw it after the rotation.
 */
function stillInUsePastGrace(item: CredentialItem, now: number, graceDays: number): boolean {
  const rotated = time(item.lastRotatedAt);
  const used = time(item.lastUsedAt);
  return (
    item.replacedBy !== null &&
    rotated !== undefined &&
    used !== undefined &&
    used > rotated &&
    now - rotated > graceDays * DAY_MS
  );
}

export interface OverviewInput {
  items: CredentialItem[];
  thresholds: readonly number[];
  now: number;
  graceDays: number;
  runs: { inventory: Run | null; rotation: Run | null };
}

export function overview({ items, thresholds, now, graceDays, runs }: OverviewInput) {
  const counts = Object.fromEntries(STATUSES.map((status) => [status, 0])) as Record<
    CredentialItem['status'],
    number
  >;
  for (const item of items) counts[item.status] += 1;
  const nextToExpire = items
    .filter((item) => (time(item.endDateTime) ?? 0) > now)
    .sort((a, b) => (time(a.endDateTime) ?? 0) - (time(b.endDateTime) ?? 0))
    .slice(0, NEXT_TO_EXPIRE)
    .map(credentialOf);
  const apps = new Map<string, { appId: string; appDisplayName: string; valid: boolean }>();
  for (const item of items) {
    if (item.deleted) continue;
    const app = apps.get(item.appId) ?? {
      appId: item.appId,
      appDisplayName: item.appDisplayName,
      valid: false,
    };
    app.valid ||= validNow(item, now);
    apps.set(item.appId, app);
  }
  return {
    generatedAt: new Date(now).toISOString(),
    total: items.length,
    counts,
    thresholds: [...thresholds],
    nextToExpire,
    appsWithoutValidCredential: [...apps.values()]
      .filter((app) => !app.valid)
      .map(({ appId, appDisplayName }) => ({ appId, appDisplayName }))
      .sort((a, b) => a.appDisplayName.localeCompare(b.appDisplayName)),
    stillInUsePastGrace: items.filter((item) => stillInUsePastGrace(item, now, graceDays)).map(credentialOf),
    runs,
  };
}

const TIMELINE_MONTHS = 24;

/** Every credential whose end is known (expired ones too: the page clamps them to the axis). */
export function timeline(items: CredentialItem[], thresholds: readonly number[], now: number) {
  const to = new Date(now);
  to.setUTCMonth(to.getUTCMonth() + TIMELINE_MONTHS);
  return {
    generatedAt: new Date(now).toISOString(),
    from: new Date(now).toISOString(),
    to: to.toISOString(),
    thresholds: [...thresholds],
    items: items
      .filter((item) => time(item.endDateTime) !== undefined)
      .map((item) => ({
        appId: item.appId,
        appDisplayName: item.appDisplayName,
        keyId: item.keyId,
        type: item.type,
        label: item.type === 'certificate' ? (item.thumbprint ?? '') : (item.hint?.slice(0, 3) ?? ''),
        endDateTime: item.endDateTime as string,
        status: item.status,
      })),
  };
}

/** One app's credentials, or undefined when the inventory does not know the app. */
export function appOf(items: CredentialItem[], appId: string) {
  const wanted = appId.toLowerCase();
  const own = items.filter((item) => item.appId.toLowerCase() === wanted);
  const first = own[0];
  if (!first) return undefined;
  const credentials: Credential[] = own.map(credentialOf);
  return {
    app: {
      appId: first.appId,
      appDisplayName: first.appDisplayName,
      owners: [...new Set(own.flatMap((item) => item.owners))].sort(),
      managed: own.some((item) => item.managed),
    },
    credentials,
  };
}

const USAGE_DAYS = 30;

/**
 * Successful validations per day for the last 30 days (UTC), oldest first, every day present, summed
 * over the validator's usage records (one per instance, tenant and policy) from their per-day counts.
 */
export function usagePerDay(
  records: Array<{ daily: Record<string, number> }>,
  now: number,
): Array<{ day: string; count: number }> {
  const today = Math.floor(now / DAY_MS);
  const days = Array.from({ length: USAGE_DAYS }, (_, index) => ({
    day: new Date((today - (USAGE_DAYS - 1) + index) * DAY_MS).toISOString().slice(0, 10),
    count: 0,
  }));
  const byName = new Map(days.map((slot) => [slot.day, slot]));
  for (const record of records)
    for (const [day, count] of Object.entries(record.daily)) {
      const slot = byName.get(day);
      if (slot) slot.count += count;
    }
  return days;
}
