// The product's user-assigned managed identity. User-assigned (not system-assigned) so that its role
// assignments exist before the function app does: Flex Consumption reads its deployment container with
// it at creation time ("Create and manage function apps in the Flex Consumption plan").

param name string
param location string
param tags object = {}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: name
  location: location
  tags: tags
}

output id string = identity.id
output name string = identity.name
output clientId string = identity.properties.clientId
output principalId string = identity.properties.principalId
