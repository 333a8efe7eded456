import type { TokenCredential } from '@azure/identity';
import { consoleLogger, type Logger } from './log.js';
import { refreshInstruments } from './metrics.js';
import type { Env } from './settings-reader.js';

/**
 * Exports telemetry to Application Insights through OpenTelemetry (`@azure/monitor-opentelemetry`)
 * when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set, as the Bicep does in Azure. Without the setting
 * nothing is loaded: the distro is imported lazily, so local runs and tests pay nothing for it.
 * It starts at most once per process, however many modules import this one.
 *
 * The deployed component accepts Microsoft Entra ID-authenticated telemetry only (local auth is off).
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` (`ClientId=<identity>;Authorization=AAD`, the setting the
 * Functions host reads for its own telemetry) names the managed identity; the exporter then signs in as
 * it (user-assigned with `ClientId`, system-assigned without).
 */

type AzureMonitor = {
  useAzureMonitor(options?: {
    azureMonitorExporterOptions?: { connectionString?: string; credential?: TokenCredential };
  }): void;
};
/** Creates the exporter's credential for a managed identity (undefined client id: system-assigned). */
export type TelemetryCredentialFactory = (
  clientId: string | undefined,
) => TokenCredential | Promise<TokenCredential>;

export interface TelemetryStarter {
  /** Resolves true when telemetry export was started (by this call or an earlier one). */
  start(env?: Env): Promise<boolean>;
}

/** `Key=value;Key=value` as the Functions host reads it: keys case-insensitive, any order. */
export function parseAuthenticationString(value: string): { authorization?: string; clientId?: string } {
  const result: { authorization?: string; clientId?: string } = {};
  for (const part of value.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    const key = part.slice(0, separator).trim().toLowerCase();
    const entry = part.slice(separator + 1).trim();
    if (key === 'authorization' && entry) result.authorization = entry;
    if (key === 'clientid' && entry) result.clientId = entry;
  }
  return result;
}

const managedIdentity: TelemetryCredentialFactory = async (clientId) => {
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
};

export function createTelemetryStarter(
  load: () => Promise<AzureMonitor> = () => import('@azure/monitor-opentelemetry'),
  log: Logger = consoleLogger,
  credentialFor: TelemetryCredentialFactory = managedIdentity,
): TelemetryStarter {
  let started: Promise<boolean> | undefined;
  return {
    start(env: Env = process.env) {
      if (started) return started;
      const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim();
      if (!connectionString) {
        started = Promise.resolve(false);
        return started;
      }
      const authentication = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.trim();
      started = (async () => {
        try {
          const monitor = await load();
          let credential: TokenCredential | undefined;
          if (authentication) {
            const { authorization, clientId } = parseAuthenticationString(authentication);
            if (authorization?.toLowerCase() === 'aad') credential = await credentialFor(clientId);
            else
              log.warn(
                'APPLICATIONINSIGHTS_AUTHENTICATION_STRING is set without Authorization=AAD; exporting without Microsoft Entra ID',
              );
          }
          monitor.useAzureMonitor({
            azureMonitorExporterOptions: credential ? { connectionString, credential } : { connectionString },
          });
          // The distro has registered its meter provider: instruments made before now were no-ops.
          refreshInstruments();
          return true;
        } catch (error) {
          // Telemetry must never take the app down: log (redacted) and run without it.
          log.warn('Telemetry export could not start', { error: String(error) });
          return false;
        }
      })();
      return started;
    },
  };
}

const processTelemetry = createTelemetryStarter();

/** Starts telemetry for this process from its environment; a no-op without the connection string. */
export function startTelemetry(env: Env = process.env): Promise<boolean> {
  return processTelemetry.start(env);
}

void startTelemetry();
