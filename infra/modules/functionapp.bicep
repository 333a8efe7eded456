// The function app on the Flex Consumption plan (FC1), Linux, Node.js, running as the user-assigned
// identity. Flex Consumption takes its runtime and deployment source from functionAppConfig, not from
// FUNCTIONS_WORKER_RUNTIME / WEBSITE_RUN_FROM_PACKAGE app settings, which it rejects ("Flex Consumption
// plan hosting": deprecated settings).

param name string
param planName string
param location string
param tags object = {}

@description('azd service name from azure.yaml; azd finds the app to deploy to by this tag.')
param serviceName string = 'api'

param identityId string

@description('Blob endpoint of the storage account, ending with a slash.')
param storageBlobEndpoint string

param deploymentContainerName string

@description('App settings, name to value. Every name is in the settings catalogue (test/infra checks it).')
param appSettings object

@allowed([
  '20'
  '22'
])
param nodeVersion string = '22'

@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      http20Enabled: true
    }
    functionAppConfig: {
      // The package is pulled from this container with the user-assigned identity (no keys):
      // "Configure deployment settings" for Flex Consumption.
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storageBlobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'node'
        version: nodeVersion
      }
    }
  }
}

// The appsettings resource replaces the whole collection on every deployment, so settings added in the
// portal are lost on the next `azd provision`: add them to additionalAppSettings in main.parameters.json.
resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output id string = site.id
output name string = site.name
output uri string = 'https://${site.properties.defaultHostName}'
