// Optional: grants the product identity its Microsoft Graph application permissions with the
// Microsoft Graph Bicep extension ("Microsoft Graph Bicep templates": Microsoft.Graph/appRoleAssignedTo).
// The deployer needs AppRoleAssignment.ReadWrite.All and Application.Read.All in the tenant (for
// example Privileged Role Administrator); without them, leave grantGraphPermission off and run the
// `az` commands in the README. Least privilege: each permission beyond OwnedBy is its own switch
// (README "Graph permissions" says which feature needs which). The extension alias is defined in
// infra/bicepconfig.json.
extension microsoftGraphV1

@description('Object (principal) id of the product identity.')
param principalId string

@description('Grant AuditLog.Read.All: last use per credential from the sign-in activity report (inventory, and rotation before it removes an old secret).')
param grantAuditLogRead bool = true

@description('Grant Application.Read.All: the apps of other owners (Inventory__OwnerServicePrincipalIds) and Inventory__AppIds the identity does not own.')
param grantApplicationRead bool = false

// Microsoft Graph's well-known application id.
var graphAppId = '00000003-0000-0000-c000-000000000000'

// App role ids of the application permissions ("Microsoft Graph permissions reference",
// https://learn.microsoft.com/graph/permissions-reference).
var applicationReadWriteOwnedBy = '18a4783c-866b-4cc7-a460-3d5e5662c884'
var auditLogReadAll = 'b0afded3-3588-46d8-8b3d-9842eff778da'
var applicationReadAll = '9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30'

resource graph 'Microsoft.Graph/servicePrincipals@v1.0' existing = {
  appId: graphAppId
}

// Rotation's writes and the inventory of the apps the identity owns.
resource ownedByGrant 'Microsoft.Graph/appRoleAssignedTo@v1.0' = {
  principalId: principalId
  resourceId: graph.id
  appRoleId: applicationReadWriteOwnedBy
}

resource auditLogGrant 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (grantAuditLogRead) {
  principalId: principalId
  resourceId: graph.id
  appRoleId: auditLogReadAll
}

resource applicationReadGrant 'Microsoft.Graph/appRoleAssignedTo@v1.0' = if (grantApplicationRead) {
  principalId: principalId
  resourceId: graph.id
  appRoleId: applicationReadAll
}
