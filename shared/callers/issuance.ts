/**
 * Issuance counters: every token `/api/token` serves, per caller, client, scope and UTC day, which
 * Entra's logs cannot show (they see the product, not the gateway behind it). They go through the
 * validator's batched usage recorder into the same `usage` table: partition = the caller's client
 * id, and as "policy" `issued|<day>|<client>|<scope>`, which no policy name can be (names have no
 * `|`). Counting is in memory; the recorder's timer writes them in batches.
 */
export interface IssuanceCounter {
  record(callerClientId: string, tenantId: string, client: string, scope: string): void;
}

/** The part of the usage recorder (shared/validation/usage.ts) this counts through. */
export interface UsageCounts {
  record(tid: string, clientId: string, policy: string): void;
}

/** A usage row as the recorder reports it, aggregated over instances. */
export interface UsageRow {
  tenantId: string;
  clientId: string;
  policy: string;
  success: number;
  firstSeen: string;
  lastSeen: string;
}

export interface Issued {
  day: string;
  client: string;
  scope: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
}

const PREFIX = 'issued|';
const DAY_MS = 86_400_000;

export function issuanceCounter(usage: UsageCounts, clock: () => number): IssuanceCounter {
  let dayStart = Number.NaN;
  let day = '';
  return {
    record(callerClientId, tenantId, client, scope) {
      const now = clock();
      // One date string per day rather than per token.
      if (!(now >= dayStart && now < dayStart + DAY_MS)) {
        dayStart = now - (now % DAY_MS);
        day = new Date(dayStart).toISOString().slice(0, 10);
      }
      usage.record(tenantId, callerClientId, `${PREFIX}${day}|${client}|${scope}`);
    },
  };
}

export const isIssuance = (row: { policy: string }): boolean => row.policy.startsWith(PREFIX);

/** The issuance rows of one caller, decoded, by day then client then scope. */
export function issuedOf(rows: readonly UsageRow[]): Issued[] {
  const out: Issued[] = [];
  for (const row of rows) {
    if (!isIssuance(row)) continue;
    const [day = '', client = '', ...scope] = row.policy.slice(PREFIX.length).split('|');
    out.push({
      day,
      client,
      scope: scope.join('|'),
      count: row.success,
      firstSeen: row.firstSeen,
      lastSeen: row.lastSeen,
    });
  }
  return out.sort((a, b) =>
    `${a.day}|${a.client}|${a.scope}`.localeCompare(`${b.day}|${b.client}|${b.scope}`),
  );
}
