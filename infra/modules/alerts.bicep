// Azure Monitor alert rules on the product's OpenTelemetry metrics, which the Azure Monitor distro
// exports to the workspace-based Application Insights component's AppMetrics table (Name, Sum,
// ItemCount, Properties = the metric's attributes; "AppMetrics", Azure Monitor table reference).
// Log search alerts (scheduledQueryRules) read that table; an action group sends the notification.
// Every metric name and attribute a query uses is checked against the code's metrics catalogue
// (test/infra/alerts.test.ts). README "Alerts" says what each rule means and what to check first.

param location string
param tags object = {}
param applicationInsightsId string
param actionGroupName string

@description('E-mail address the action group notifies; empty for none.')
param alertEmail string = ''

@description('Webhook (Teams, Logic App, PagerDuty…) the action group calls; empty for none.')
param alertWebhookUrl string = ''

@description('Share of validations answered 503 (no usable signing keys) over 5 minutes that raises an alert.')
param unavailableRateThreshold string = '0.05'

@description('Failed token acquisitions (429/5xx) over 5 minutes that raise an alert.')
param tokenFailureThreshold int = 5

var emailReceivers = empty(alertEmail) ? [] : [
  {
    name: 'email'
    emailAddress: alertEmail
    useCommonAlertSchema: true
  }
]
var webhookReceivers = empty(alertWebhookUrl) ? [] : [
  {
    name: 'webhook'
    serviceUri: alertWebhookUrl
    useCommonAlertSchema: true
  }
]

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'global'
  tags: tags
  properties: {
    groupShortName: 'gwplumbing'
    enabled: true
    emailReceivers: emailReceivers
    webhookReceivers: webhookReceivers
  }
}

var validationsMetric = 'gateway_plumbing.validations'
var tokenAcquisitionsMetric = 'gateway_plumbing.token.acquisitions'

// Validations that could not be checked: no usable signing keys (IdP unreachable past
// last-known-good) or no denylist. Gateways then fail closed, so callers see 503s.
resource validationUnavailable 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-validation-unavailable'
  location: location
  tags: tags
  properties: {
    displayName: 'Validation unavailable (signing keys or revocation list missing)'
    description: 'Share of /api/validate answers that were 503 unavailable. First check: /api/health and the gateway_plumbing.keyset.age metric.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppMetrics | where Name == "${validationsMetric}" | extend outcome = tostring(Properties.outcome) | summarize total = sum(Sum), unavailable = sumif(Sum, outcome == "unavailable") | where total > 0 | extend rate = unavailable / total | where rate > ${unavailableRateThreshold}'
          timeAggregation: 'Count'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Token requests the product could not serve: the IdP or Key Vault down with nothing cached,
// throttling, a certificate Entra no longer accepts.
resource tokenFailures 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-token-failures'
  location: location
  tags: tags
  properties: {
    displayName: 'Token acquisition failures'
    description: 'Failed /api/token requests (429 or 5xx) by client. First check: the function log for the AADSTS code of "Token request failed", then Key Vault and Entra health.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT5M'
    windowSize: 'PT5M'
    criteria: {
      allOf: [
        {
          query: 'AppMetrics | where Name == "${tokenAcquisitionsMetric}" | extend outcome = tostring(Properties.outcome), client = tostring(Properties.client) | where outcome == "failed" | summarize failures = sum(Sum) by client'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'client'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          timeAggregation: 'Total'
          operator: 'GreaterThanOrEqual'
          threshold: tokenFailureThreshold
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

var inventoryCredentialsMetric = 'gateway_plumbing.inventory.credentials'
var auditIngestLagMetric = 'gateway_plumbing.audit.ingest_lag'

// A credential the product rotates is critical (7 days or less) or expired: rotation has not
// happened in time. The inventory reports counts by status after each (hourly) run.
resource managedCredentialExpiring 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-managed-credential-expiring'
  location: location
  tags: tags
  properties: {
    displayName: 'Managed credential critical or expired'
    description: 'A credential the product manages is within 7 days of expiry, or expired. First check: GET /api/credentials?status=critical,expired and the rotation journal; then the last rotateCredentials run in the function log.'
    severity: 1
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'AppMetrics | where Name == "${inventoryCredentialsMetric}" | extend status = tostring(Properties.status), managed = tostring(Properties.managed) | where managed == "true" and status in ("critical", "expired") | summarize credentials = max(Sum) by status'
          metricMeasureColumn: 'credentials'
          dimensions: [
            {
              name: 'status'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

// Entra audit-log entries reach the trail more than an hour after they happened: the ingestion
// timer is failing, or the diagnostic setting stopped writing.
resource auditIngestLag 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-audit-ingest-lag'
  location: location
  tags: tags
  properties: {
    displayName: 'Audit-log ingestion behind by more than an hour'
    description: 'Entra audit-log entries are recorded more than 1 h after they happened. First check: the ingestEntraAuditLogs timer in the function log, then the tenant diagnostic setting that writes insights-logs-auditlogs.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    criteria: {
      allOf: [
        {
          query: 'AppMetrics | where Name == "${auditIngestLagMetric}" | summarize lagSeconds = max(Max)'
          metricMeasureColumn: 'lagSeconds'
          timeAggregation: 'Maximum'
          operator: 'GreaterThan'
          threshold: 3600
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

var rotationsMetric = 'gateway_plumbing.rotation.rotations'

// A rotation step failed or had to be compensated (RotationFailed events carry the step and
// Graph's error code). The old credential is kept, so nothing is down yet; the clock is running.
resource rotationFailures 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = {
  name: 'alert-rotation-failed'
  location: location
  tags: tags
  properties: {
    displayName: 'Credential rotation failed'
    description: 'A rotation step failed or was compensated. First check: GET /api/audit?kind=RotationFailed (the step and the Graph error code), then the rotateCredentials run in the function log.'
    severity: 2
    enabled: true
    scopes: [
      applicationInsightsId
    ]
    evaluationFrequency: 'PT1H'
    windowSize: 'PT6H'
    criteria: {
      allOf: [
        {
          query: 'AppMetrics | where Name == "${rotationsMetric}" | extend outcome = tostring(Properties.outcome), step = tostring(Properties.step) | where outcome in ("failed", "compensated") | summarize failures = sum(Sum) by step'
          metricMeasureColumn: 'failures'
          dimensions: [
            {
              name: 'step'
              operator: 'Include'
              values: [
                '*'
              ]
            }
          ]
          timeAggregation: 'Total'
          operator: 'GreaterThan'
          threshold: 0
          failingPeriods: {
            numberOfEvaluationPeriods: 1
            minFailingPeriodsToAlert: 1
          }
        }
      ]
    }
    actions: {
      actionGroups: [
        actionGroup.id
      ]
    }
  }
}

output actionGroupId string = actionGroup.id
