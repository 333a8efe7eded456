// Entra gateway token plumbing: everything one environment needs, deployed by `azd up` (or
// `az deployment sub create`) at subscription scope into its own resource group, as azd templates do.
// Names use a resource token derived from the subscription, environment and location, so they are
// unique and stable across re-deployments ("Azure Developer CLI: make your project azd compatible").
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group and seeds the resource token.')
param environmentName string

@minLength(1)
@description('Region for every resource; must offer Flex Consumption (az functionapp list-flexconsumption-locations).')
param location string

@description('Object id of the deployer, granted Key Vault Administrator to upload certificates; empty to skip.')
param principalId string = ''

// azd fills AZURE_PRINCIPAL_TYPE from the signed-in principal: a pipeline signs in as a service principal,
// and a role assignment whose principalType does not match fails with UnmatchedPrincipalType.
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
@description('Type of principalId (main.parameters.json maps it to AZURE_PRINCIPAL_TYPE).')
param principalType string = 'User'

// A dev environment is torn down and rebuilt under the same names: with purge protection on, `azd down
// --purge` cannot purge the vault, and the next `azd up` meets the soft-deleted name (README, Deploy).
@allowed([
  'dev'
  'prod'
])
@description('dev: a throwaway environment (Key Vault purge protection off by default); prod: everything kept.')
param environmentType string = 'prod'

@description('Azure Monitor alert rules on the product metrics, with an action group (README, Alerts).')
param enableAlerts bool = true

@description('E-mail address the alerts notify; empty for none.')
param alertEmail string = ''

@description('Webhook (Teams, Logic App, PagerDuty…) the alerts call; empty for none.')
param alertWebhookUrl string = ''

@description('Phase two: create the Event Grid subscriptions that target functions (needs the code deployed; the azd postdeploy hook sets it).')
param deployEventSubscriptions bool = false

@description('Also subscribe the audit function to BlobCreated events of the Entra audit-log container (insights-logs-auditlogs).')
param enableAuditExportSubscription bool = false

@description('Grant the identity its Microsoft Graph application permissions (Application.ReadWrite.OwnedBy, and the two below) with the Graph Bicep extension (deployer needs directory rights); applied in phase two.')
param grantGraphPermission bool = false

@description('With grantGraphPermission: also AuditLog.Read.All, for last use from the sign-in activity report (inventory, rotation).')
param grantGraphAuditLogRead bool = true

@description('Key Vault purge protection; cannot be turned off once on. Off by default for dev environments only.')
param keyVaultPurgeProtection bool = environmentType != 'dev'

@allowed([
  'Enabled'
  'Disabled'
])
@description('Key Vault public network access; Disabled needs a private endpoint and VNet integration (not in this template).')
param keyVaultPublicNetworkAccess string = 'Enabled'

@description('Name of the Event Grid-triggered audit function in functions/ (registerEventGrid).')
param auditFunctionName string = 'auditEvents'

@description('Optional: client id of the app registration the token function signs for (AzureAd__ClientId).')
param tokenClientId string = ''

@description('Optional: name of that app registration\'s certificate in the vault (credential 0).')
param tokenCertificateName string = ''

@description('Further app settings, name to value, kept across re-provisioning (the settings resource replaces the whole set).')
param additionalAppSettings object = {}

@description('With grantGraphPermission: also Application.Read.All, to watch apps other service principals own; on by default exactly when additionalAppSettings names them (Inventory__OwnerServicePrincipalIds).')
param grantGraphApplicationRead bool = contains(additionalAppSettings, 'Inventory__OwnerServicePrincipalIds')

// Node 20 reached end of life on 2026-04-30; package.json's @types/node follows this major.
@allowed([
  '20'
  '22'
])
@description('Node.js major the function app runs (Flex Consumption).')
param nodeVersion string = '22'

@minValue(40)
@maxValue(1000)
@description('Flex Consumption scale-out limit.')
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
@description('Flex Consumption instance memory, in MB.')
param instanceMemoryMB int = 2048

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}

// The code declares these in shared/platform/resources.ts; test/infra proves the two lists agree.
var storageTables = [
  'audit'
  'usage'
  'denylist'
  'rotationjournal'
  'credentials'
  'quarantine'
  'auditstate'
  'certgenerations'
]
var blobContainers = [
  'deployment'
  'leases'
  'eventgrid-deadletter'
  'insights-logs-auditlogs'
]
var deploymentContainerName = 'deployment'
var deadLetterContainerName = 'eventgrid-deadletter'
// Entra ID's diagnostic settings write the AuditLogs category into this container (the name is Entra's).
var auditLogContainerName = 'insights-logs-auditlogs'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module identity './modules/identity.bicep' = {
  scope: rg
  name: 'identity'
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring './modules/monitoring.bicep' = {
  scope: rg
  name: 'monitoring'
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
  }
}

module alerts './modules/alerts.bicep' = if (enableAlerts) {
  scope: rg
  name: 'alerts'
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    actionGroupName: 'ag-${resourceToken}'
    alertEmail: alertEmail
    alertWebhookUrl: alertWebhookUrl
  }
}

module storage './modules/storage.bicep' = {
  scope: rg
  name: 'storage'
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    tables: storageTables
    containers: blobContainers
  }
}

module keyVault './modules/keyvault.bicep' = {
  scope: rg
  name: 'keyvault'
  params: {
    name: 'kv-${resourceToken}'
    location: location
    tags: tags
    enablePurgeProtection: keyVaultPurgeProtection
    publicNetworkAccess: keyVaultPublicNetworkAccess
  }
}

module eventGrid './modules/eventgrid.bicep' = {
  scope: rg
  name: 'eventgrid'
  params: {
    location: location
    tags: tags
    identityId: identity.outputs.id
    keyVaultId: keyVault.outputs.id
    keyVaultTopicName: 'evgst-kv-${resourceToken}'
    productTopicName: 'evgt-${resourceToken}'
    storageAccountId: storage.outputs.id
    storageTopicName: 'evgst-st-${resourceToken}'
    enableAuditExport: enableAuditExportSubscription
  }
}

module roles './modules/roles.bicep' = {
  scope: rg
  name: 'roles'
  params: {
    principalId: identity.outputs.principalId
    keyVaultName: keyVault.outputs.name
    storageAccountName: storage.outputs.name
    productTopicName: eventGrid.outputs.productTopicName
    auditLogContainerName: auditLogContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    deployerPrincipalId: principalId
    deployerPrincipalType: principalType
  }
}

// Settings the code reads (shared/config/catalogue.ts). Storage is identity-based: the host and the app
// derive the blob, queue and table endpoints from the account name ("Connecting to host storage with an
// identity"), so no key or connection string exists anywhere.
var coreAppSettings = {
  AzureWebJobsStorage__accountName: storage.outputs.name
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identity.outputs.clientId
  // DefaultAzureCredential picks a user-assigned identity only when told its client id.
  AZURE_CLIENT_ID: identity.outputs.clientId
  // Application Insights accepts Entra ID-authenticated telemetry only (DisableLocalAuth): the host and
  // the OpenTelemetry exporter (shared/platform/telemetry.ts) sign in as this identity, which holds
  // Monitoring Metrics Publisher on the component ("Microsoft Entra authentication for Application
  // Insights"). The connection string then only locates the resource.
  APPLICATIONINSIGHTS_CONNECTION_STRING: monitoring.outputs.connectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identity.outputs.clientId};Authorization=AAD'
  // CredentialExpiring and the product's other events go to its custom topic (EventGrid Data Sender in roles.bicep).
  EventGrid__TopicEndpoint: eventGrid.outputs.productTopicEndpoint
  // The worker's Node arguments: stack traces through the bundle's source map name the TypeScript
  // sources (scripts/bundle.mjs).
  languageWorkers__node__arguments: '--enable-source-maps'
}

// Token acquisition for the default client, Microsoft.Identity.Web style, when its app registration is
// given: the certificate comes from this environment's vault.
var tokenAppSettings = empty(tokenClientId)
  ? {}
  : {
      AzureAd__TenantId: tenant().tenantId
      AzureAd__ClientId: tokenClientId
      AzureAd__ClientCredentials__0__SourceType: 'KeyVault'
      AzureAd__ClientCredentials__0__KeyVaultUrl: keyVault.outputs.uri
      AzureAd__ClientCredentials__0__KeyVaultCertificateName: tokenCertificateName
    }

module functionApp './modules/functionapp.bicep' = {
  scope: rg
  name: 'functionapp'
  dependsOn: [
    roles
  ]
  params: {
    name: 'func-${resourceToken}'
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    serviceName: 'api'
    identityId: identity.outputs.id
    storageBlobEndpoint: storage.outputs.blobEndpoint
    deploymentContainerName: deploymentContainerName
    nodeVersion: nodeVersion
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    appSettings: union(coreAppSettings, tokenAppSettings, additionalAppSettings)
  }
}

module eventSubscriptions './modules/event-subscriptions.bicep' = if (deployEventSubscriptions) {
  scope: rg
  name: 'event-subscriptions'
  params: {
    functionAppName: functionApp.outputs.name
    auditFunctionName: auditFunctionName
    keyVaultTopicName: eventGrid.outputs.keyVaultTopicName
    productTopicName: eventGrid.outputs.productTopicName
    storageTopicName: eventGrid.outputs.storageTopicName
    storageAccountId: storage.outputs.id
    identityId: identity.outputs.id
    deadLetterContainerName: deadLetterContainerName
    auditLogContainerName: auditLogContainerName
    enableAuditExport: enableAuditExportSubscription
  }
}

// Phase two only: on the first run the identity is minutes old, and Microsoft Graph may not know it yet
// ("Not a valid reference update", msgraph-bicep-types#193). By the postdeploy hook's provision it has
// replicated; a failed grant is fixed by running `azd provision` again (README, Deploy).
module graphPermission './modules/graph-permission.bicep' = if (grantGraphPermission && deployEventSubscriptions) {
  scope: rg
  name: 'graph-permission'
  params: {
    principalId: identity.outputs.principalId
    grantAuditLogRead: grantGraphAuditLogRead
    grantApplicationRead: grantGraphApplicationRead
  }
}

// azd stores outputs in the environment (.azure/<env>/.env); the hooks and the README use them.
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
// The preprovision hook checks that this function exists before keeping DEPLOY_EVENT_SUBSCRIPTIONS=true.
output AZURE_AUDIT_FUNCTION_NAME string = auditFunctionName
output FUNCTION_APP_URL string = functionApp.outputs.uri
output AZURE_KEY_VAULT_URI string = keyVault.outputs.uri
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_IDENTITY_PRINCIPAL_ID string = identity.outputs.principalId
output EVENT_GRID_TOPIC_ENDPOINT string = eventGrid.outputs.productTopicEndpoint
