// Event Grid topics (phase one). Their subscriptions to functions are created in phase two
// (event-subscriptions.bicep), once the code is deployed: Event Grid validates an Azure Function
// endpoint when the subscription is created, so the function must already exist ("Azure Functions
// as an event handler for Event Grid events").
//
// Each topic carries the product identity, which Event Grid uses to write dead-lettered events to
// blob storage ("Dead letter and retry policies" with a managed identity).

param location string
param tags object = {}
param identityId string
param keyVaultId string
param keyVaultTopicName string
param productTopicName string
param storageAccountId string
param storageTopicName string

@description('Create the storage system topic used by the optional audit-log export subscription.')
param enableAuditExport bool = false

var topicIdentity = {
  type: 'UserAssigned'
  userAssignedIdentities: {
    '${identityId}': {}
  }
}

// System topic for the vault's events (certificate, key and secret versions, near-expiry, expiry and
// access-policy changes): "Azure Key Vault as Event Grid source".
resource keyVaultTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: keyVaultTopicName
  location: location
  tags: tags
  identity: topicIdentity
  properties: {
    source: keyVaultId
    topicType: 'Microsoft.KeyVault.vaults'
  }
}

// Custom topic for the product's own events, in CloudEvents 1.0 and with Entra ID authentication only
// (no access keys): "Authenticate publishing clients using Microsoft Entra ID".
resource productTopic 'Microsoft.EventGrid/topics@2022-06-15' = {
  name: productTopicName
  location: location
  tags: tags
  identity: topicIdentity
  properties: {
    inputSchema: 'CloudEventSchemaV1_0'
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

// Storage system topic, only for the optional BlobCreated subscription on the audit export container:
// "Azure Blob Storage as an Event Grid source". A storage account can have one system topic.
resource storageTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = if (enableAuditExport) {
  name: storageTopicName
  location: location
  tags: tags
  identity: topicIdentity
  properties: {
    source: storageAccountId
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

output keyVaultTopicName string = keyVaultTopic.name
output productTopicName string = productTopic.name
output productTopicId string = productTopic.id
output productTopicEndpoint string = productTopic.properties.endpoint
// Always the real name, even when the topic is not created: ARM validates the names of conditional
// resources too, and an empty parent name makes the subscription '/auditexport-to-audit', which fails
// with InvalidTemplate "incorrect segment lengths" (Azure/bicep#9594). The conditions alone decide.
output storageTopicName string = storageTopicName
