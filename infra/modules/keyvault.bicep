// Key Vault holding the client certificates and rotated secrets. Access is by Azure RBAC only (no access
// policies), with soft delete and, by default, purge protection ("Azure Key Vault security features").
//
// Network defaults: public network access is enabled and the firewall allows all networks, because a
// Flex Consumption app without virtual network integration has no fixed outbound addresses. To lock the
// vault down, integrate the app with a virtual network, add a private endpoint for the vault and set
// publicNetworkAccess to 'Disabled' ("Network security for Azure Key Vault").

param name string
param location string
param tags object = {}

@description('Purge protection cannot be turned off once on; disable it only for throwaway environments.')
param enablePurgeProtection bool = true

@description('Days a deleted vault or object is recoverable (7-90).')
@minValue(7)
@maxValue(90)
param softDeleteRetentionInDays int = 90

@allowed([
  'Enabled'
  'Disabled'
])
param publicNetworkAccess string = 'Enabled'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: softDeleteRetentionInDays
    // The API rejects an explicit false once purge protection was enabled, so "off" is sent as null.
    enablePurgeProtection: enablePurgeProtection ? true : null
    publicNetworkAccess: publicNetworkAccess
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
  }
}

output id string = vault.id
output name string = vault.name
output uri string = vault.properties.vaultUri
