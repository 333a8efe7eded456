import type { SettingsCatalogue } from '../platform/settings-reader.js';

/** Settings of the audit trail (README "Audit trail"). */
export const auditSettings: SettingsCatalogue = [
  {
    name: 'Audit__RetentionDays',
    description:
      'Days audit records and quarantined events are kept; the daily `auditRetention` timer deletes older days in batches.',
    default: '400',
    deploy: 'optional',
  },
  {
    name: 'Audit__EntraLogIngestSchedule',
    description: 'NCRONTAB schedule (six fields, UTC) of the `ingestEntraAuditLogs` timer.',
    default: '0 */5 * * * *',
    deploy: 'optional',
  },
  {
    name: 'Audit__EntraLogLookbackHours',
    description:
      "Hours of Entra audit-log files (`insights-logs-auditlogs`) the `ingestEntraAuditLogs` timer re-reads past their checkpoints: Entra keeps appending to an hour's file long after the hour.",
    default: '72',
    deploy: 'optional',
  },
];
