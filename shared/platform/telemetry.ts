import { consoleLogger, type Logger } from './log.js';

/**
 * Exports telemetry to Application Insights through OpenTelemetry (`@azure/monitor-opentelemetry`)
 * when `APPLICATIONINSIGHTS_CONNECTION_STRING` is set, as the Bicep does in Azure. Without the setting
 * nothing is loaded: the distro is imported lazily, so local runs and tests pay nothing for it.
 * It starts at most once per process, however many modules import this one.
 */

type Env = Record<string, string | undefined>;
type AzureMonitor = {
  useAzureMonitor(options?: { azureMonitorExporterOptions?: { connectionString?: string } }): void;
};

export interface TelemetryStarter {
  /** Resolves true when telemetry export was started (by this call or an earlier one). */
  start(env?: Env): Promise<boolean>;
}

export function createTelemetryStarter(
  load: () => Promise<AzureMonitor> = () => import('@azure/monitor-opentelemetry'),
  log: Logger = consoleLogger,
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
      started = (async () => {
        try {
          const monitor = await load();
          monitor.useAzureMonitor({ azureMonitorExporterOptions: { connectionString } });
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
