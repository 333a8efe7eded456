import type { SettingsCatalogue } from './settings-reader.js';

export const platformSettings: SettingsCatalogue = [
  {
    name: 'AzureWebJobsStorage',
    description:
      'Storage connection string. Used locally (Azurite); in Azure use the identity-based `AzureWebJobsStorage__*` settings instead.',
    deploy: 'optional',
    secret: true,
  },
  {
    name: 'AzureWebJobsStorage__accountName',
    description:
      'Storage account name for identity-based connections (blob, queue and table endpoints derived).',
    deploy: 'bicep',
  },
  {
    name: 'AzureWebJobsStorage__blobServiceUri',
    description:
      'The blob endpoint for identity-based connections, where it is not the one derived from `__accountName` (another cloud, a custom domain).',
    deploy: 'optional',
  },
  {
    name: 'AzureWebJobsStorage__queueServiceUri',
    description:
      'The queue endpoint for identity-based connections, where it is not the one derived from `__accountName` (another cloud, a custom domain).',
    deploy: 'optional',
  },
  {
    name: 'AzureWebJobsStorage__tableServiceUri',
    description:
      'The table endpoint for identity-based connections, where it is not the one derived from `__accountName` (another cloud, a custom domain).',
    deploy: 'optional',
  },
  {
    name: 'AzureWebJobsStorage__credential',
    description: '`managedidentity` to use a managed identity for storage; otherwise DefaultAzureCredential.',
    deploy: 'bicep',
  },
  {
    name: 'AzureWebJobsStorage__clientId',
    description: 'Client id of the user-assigned managed identity used for storage.',
    deploy: 'bicep',
  },
  {
    name: 'AZURE_CLIENT_ID',
    description:
      'Client id of the user-assigned managed identity that DefaultAzureCredential (Key Vault, Event Grid) signs in as; read by @azure/identity.',
    deploy: 'bicep',
  },
  {
    name: 'Http__MaxRequestBodyBytes',
    description: 'Largest accepted HTTP request body, in bytes; larger bodies get 413.',
    default: '1048576',
    deploy: 'optional',
  },
  {
    name: 'Health__TimeoutMs',
    description: 'Time each dependency check of `/api/health` may take before it counts as failed.',
    default: '3000',
    deploy: 'optional',
  },
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING',
    description: 'Application Insights connection; when set, telemetry is exported with OpenTelemetry.',
    deploy: 'bicep',
  },
  {
    name: 'languageWorkers__node__arguments',
    description:
      'Arguments the Functions host starts the Node worker with: `--enable-source-maps`, so stack traces through the bundle name the TypeScript sources. Read by the host, not the product.',
    deploy: 'bicep',
  },
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    description:
      '`ClientId=<identity client id>;Authorization=AAD`: the Functions host and the OpenTelemetry exporter send telemetry as that managed identity (Application Insights local authentication is off in Azure).',
    deploy: 'bicep',
  },
];
