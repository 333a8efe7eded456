import {
  attributeCache,
  counter,
  histogram,
  METRIC_PREFIX,
  type MetricsCatalogue,
} from '../platform/metrics.js';

/** The audit trail's metrics (README "Metrics", generated from this list). */
export const AUDIT_EVENTS = {
  name: `${METRIC_PREFIX}audit.events`,
  kind: 'counter',
  unit: '{event}',
  description: 'Events and audit-log entries the audit trail received, by source and what became of them.',
  attributes: {
    source: '`keyvault`, `product`, `entra`, `reaction`, `unknown` (quarantined before its source was known)',
    outcome: '`recorded`, `duplicate` (a redelivery, already recorded), `quarantined`',
  },
} as const;

export const AUDIT_INGEST_LAG = {
  name: `${METRIC_PREFIX}audit.ingest_lag`,
  kind: 'histogram',
  unit: 's',
  description:
    'Time from an Entra audit-log entry (activityDateTime) to its record: how far behind the audit-log ingestion runs.',
  attributes: {},
} as const;

export const auditMetrics: MetricsCatalogue = [AUDIT_EVENTS, AUDIT_INGEST_LAG];

const events = counter(AUDIT_EVENTS);
const lag = histogram(AUDIT_INGEST_LAG);
const eventAttributes = attributeCache<string>();
const NO_ATTRIBUTES = Object.freeze({});

export type AuditOutcome = 'recorded' | 'duplicate' | 'quarantined';

export function recordAuditEvent(source: string, outcome: AuditOutcome): void {
  events.add(eventAttributes(`${source}\n${outcome}`, () => ({ source, outcome })));
}

export function recordIngestLag(eventTime: string, recordedAt: Date): void {
  const seconds = (recordedAt.getTime() - Date.parse(eventTime)) / 1000;
  if (Number.isFinite(seconds)) lag.record(Math.max(0, seconds), NO_ATTRIBUTES);
}
