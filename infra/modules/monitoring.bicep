// Log Analytics workspace and a workspace-based Application Insights component. The app exports to it
// through OpenTelemetry when APPLICATIONINSIGHTS_CONNECTION_STRING is set (shared/platform/telemetry.ts),
// and the Functions host uses the same setting ("Monitor Azure Functions"). Local authentication is
// off: ingestion needs a Microsoft Entra token of a principal holding Monitoring Metrics Publisher
// (roles.bicep), named by APPLICATIONINSIGHTS_AUTHENTICATION_STRING.

param logAnalyticsName string
param applicationInsightsName string
param location string
param tags object = {}

@description('Days of log retention in the workspace.')
param retentionInDays int = 30

resource workspace 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: workspace.id
    DisableLocalAuth: true
  }
}

// With local authentication off, the connection string's instrumentation key only locates the resource:
// telemetry sent with it alone is refused. It is still passed as an app setting, never logged.
output connectionString string = applicationInsights.properties.ConnectionString
output applicationInsightsName string = applicationInsights.name
output applicationInsightsId string = applicationInsights.id
output logAnalyticsWorkspaceId string = workspace.id
