// Optional: grants the product identity the Microsoft Graph application permission
// Application.ReadWrite.OwnedBy, which credential rotation needs, with the Microsoft Graph Bicep
// extension ("Microsoft Graph Bicep templates": Microsoft.Graph/appRoleAssignedTo). The deployer needs
// AppRoleAssignment.ReadWrite.All and Application.Read.All in the tenant (for example Privileged Role
// Administrator); without them, leave grantGraphPermission off and run the `az` commands in the README.
// The extension alias is defined in infra/bicepconfig.json.
extension microsoftGraphV1

@description('Object (principal) id of the product identity.')
param principalId string

// Microsoft Graph's well-known application id.
var graphAppId = '00000003-0000-0000-c000-000000000000'

// App role id of Application.ReadWrite.OwnedBy ("Microsoft Graph permissions reference").
var applicationReadWriteOwnedBy = '18a4783c-866b-4cc7-a460-3d5e5662c884'

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

resource ownedByGrant 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: principalId
  resourceId: graph.id
  appRoleId: applicationReadWriteOwnedBy
}
