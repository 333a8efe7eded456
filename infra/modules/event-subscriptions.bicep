// Phase two: Event Grid subscriptions that deliver to the audit function. Deployed only with
// deployEventSubscriptions=true (the azd postdeploy hook sets it), because creating a subscription with
// an AzureFunction endpoint fails until the function exists in the deployed code.

param functionAppName string

@description('Name of the Event Grid-triggered function (registerEventGrid in functions/).')
param auditFunctionName string

param keyVaultTopicName string
param productTopicName string
@description('Name of the storage system topic; always the real name (the condition decides whether it is used).')
param storageTopicName string
param storageAccountId string
param identityId string
param deadLetterContainerName string
@description('Container Entra ID diagnostic settings write audit logs to (insights-logs-auditlogs).')
param auditLogContainerName string
param enableAuditExport bool = false

@description('Events per delivery; the Functions extension answers one status for the whole batch.')
@minValue(1)
@maxValue(5000)
param maxEventsPerBatch int = 10

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: functionAppName
}

// AzureFunction endpoint: Event Grid calls the function through the Functions extension with its system
// key, so no key appears here ("Event Grid trigger for Azure Functions", event subscription to a function).
var auditDestination = {
  endpointType: 'AzureFunction'
  properties: {
    resourceId: '${site.id}/functions/${auditFunctionName}'
    maxEventsPerBatch: maxEventsPerBatch
    preferredBatchSizeInKilobytes: 64
  }
}

// Retry for a day (Event Grid's maximum event time-to-live) before dead-lettering: "Dead letter and
// retry policies".
var retryPolicy = {
  maxDeliveryAttempts: 30
  eventTimeToLiveInMinutes: 1440
}

// Undeliverable events go to blob storage, written with the topic's user-assigned identity, because the
// account refuses shared keys ("Dead letter and retry policies": deadLetterWithResourceIdentity).
var deadLetter = {
  identity: {
    type: 'UserAssigned'
    userAssignedIdentity: identityId
  }
  deadLetterDestination: {
    endpointType: 'StorageBlob'
    properties: {
      resourceId: storageAccountId
      blobContainerName: deadLetterContainerName
    }
  }
}

resource keyVaultTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = {
  name: keyVaultTopicName
}

resource productTopic 'Microsoft.EventGrid/topics@2022-06-15' existing = {
  name: productTopicName
}

resource storageTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' existing = if (enableAuditExport) {
  name: storageTopicName
}

// Key Vault events the audit trail records: "Azure Key Vault as Event Grid source" (event types).
resource keyVaultToAudit 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = {
  parent: keyVaultTopic
  name: 'keyvault-to-audit'
  properties: {
    destination: auditDestination
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.KeyVault.CertificateNewVersionCreated'
        'Microsoft.KeyVault.CertificateNearExpiry'
        'Microsoft.KeyVault.CertificateExpired'
        'Microsoft.KeyVault.SecretNewVersionCreated'
        'Microsoft.KeyVault.SecretNearExpiry'
        'Microsoft.KeyVault.SecretExpired'
        'Microsoft.KeyVault.KeyNewVersionCreated'
        'Microsoft.KeyVault.KeyNearExpiry'
        'Microsoft.KeyVault.KeyExpired'
        'Microsoft.KeyVault.VaultAccessPolicyChanged'
      ]
    }
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetter
  }
}

// The product's own events (CloudEvents 1.0), all types.
resource productToAudit 'Microsoft.EventGrid/topics/eventSubscriptions@2022-06-15' = {
  parent: productTopic
  name: 'product-to-audit'
  properties: {
    destination: auditDestination
    eventDeliverySchema: 'CloudEventSchemaV1_0'
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetter
  }
}

// Optional: Entra audit-log files created in insights-logs-auditlogs ("Azure Blob Storage as an Event
// Grid source", BlobCreated with a subject filter on the container). BlobCreated fires when an hour's
// append blob is created, not on its later appends: the ingestEntraAuditLogs timer reads those.
resource auditExportToAudit 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2022-06-15' = if (enableAuditExport) {
  parent: storageTopic
  name: 'auditexport-to-audit'
  properties: {
    destination: auditDestination
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: [
        'Microsoft.Storage.BlobCreated'
      ]
      subjectBeginsWith: '/blobServices/default/containers/${auditLogContainerName}/'
    }
    retryPolicy: retryPolicy
    deadLetterWithResourceIdentity: deadLetter
  }
}
