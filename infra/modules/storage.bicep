// Storage account for the Functions host (AzureWebJobsStorage, identity-based), the product's tables
// and containers, the Flex Consumption deployment container and the Event Grid dead-letter container.
// Shared keys are disabled: every client (host, app, Event Grid) authenticates with Microsoft Entra ID
// ("Prevent Shared Key authorization for an Azure Storage account").

param name string
param location string
param tags object = {}

@description('Tables to create; the code declares them in shared/platform/resources.ts (STORAGE_TABLES).')
param tables array

@description('Blob containers to create; the code declares them in shared/platform/resources.ts (BLOB_CONTAINERS).')
param containers array

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    // Flex Consumption without virtual network integration reaches storage over public endpoints;
    // restrict with private endpoints and VNet integration where the network allows it.
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource blobContainers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in containers: {
    parent: blobService
    name: container
    properties: {
      publicAccess: 'None'
    }
  }
]

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource storageTables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tables: {
    parent: tableService
    name: table
  }
]

output id string = account.id
output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
