import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../shared/platform/log.js';
import { createTelemetryStarter, startTelemetry } from '../../shared/platform/telemetry.js';

describe('telemetry (Application Insights through OpenTelemetry)', () => {
  it('is a no-op without APPLICATIONINSIGHTS_CONNECTION_STRING: the distro is never loaded', async () => {
    const load = vi.fn();
    const telemetry = createTelemetryStarter(load);
    expect(await telemetry.start({})).toBe(false);
    expect(await telemetry.start({ APPLICATIONINSIGHTS_CONNECTION_STRING: '  ' })).toBe(false);
    expect(load).not.toHaveBeenCalled();
  });

  it('starts once per process with the connection string', async () => {
    const useAzureMonitor = vi.fn();
    const load = vi.fn(async () => ({ useAzureMonitor }));
    const telemetry = createTelemetryStarter(load);
    const env = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    };
    const [first, second] = await Promise.all([telemetry.start(env), telemetry.start(env)]);
    expect([first, second]).toEqual([true, true]);
    expect(await telemetry.start(env)).toBe(true);
    expect(load).toHaveBeenCalledTimes(1);
    expect(useAzureMonitor).toHaveBeenCalledTimes(1);
    expect(useAzureMonitor).toHaveBeenCalledWith({
      azureMonitorExporterOptions: { connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING },
    });
  });

  it('keeps the app running when the distro fails to start, logging without the connection string', async () => {
    const lines: string[] = [];
    const log = createLogger((_level, line) => lines.push(line));
    const secret = 'InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=https://x/';
    const telemetry = createTelemetryStarter(async () => {
      throw new Error('exporter unavailable');
    }, log);
    expect(await telemetry.start({ APPLICATIONINSIGHTS_CONNECTION_STRING: secret })).toBe(false);
    expect(lines.join('\n')).toMatch(/Telemetry export could not start/);
    expect(lines.join('\n')).not.toContain('11111111-2222');
  });

  it('the process-wide starter did nothing here, where the setting is absent', async () => {
    expect(process.env.APPLICATIONINSIGHTS_CONNECTION_STRING).toBeUndefined();
    expect(await startTelemetry()).toBe(false);
  });
});

describe('the Azure Monitor distro the starter loads', () => {
  it('exports useAzureMonitor (the lazy import resolves to the installed package)', async () => {
    const distro = await import('@azure/monitor-opentelemetry');
    expect(typeof distro.useAzureMonitor).toBe('function');
  });
});
