import { ManagedIdentityCredential } from '@azure/identity';
import { metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../shared/platform/log.js';
import { counter, refreshInstruments } from '../../shared/platform/metrics.js';
import {
  createTelemetryStarter,
  parseAuthenticationString,
  startTelemetry,
} from '../../shared/platform/telemetry.js';

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

  it('metrics recorded after the distro starts reach its meter provider, even from instruments made before', async () => {
    const early = counter({
      name: 'gateway_plumbing.test.early',
      kind: 'counter',
      unit: '1',
      description: 'd',
      attributes: {},
    });
    early.add({ phase: 'before' }); // no provider yet: a no-op
    const reader = new (class extends MetricReader {
      protected async onShutdown() {}
      protected async onForceFlush() {}
    })();
    const provider = new MeterProvider({ readers: [reader] });
    const telemetry = createTelemetryStarter(async () => ({
      useAzureMonitor: () => {
        metrics.setGlobalMeterProvider(provider);
      },
    }));
    try {
      expect(await telemetry.start({ APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=x' })).toBe(
        true,
      );
      early.add({ phase: 'after' });
      const { resourceMetrics } = await reader.collect();
      const points = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === 'gateway_plumbing.test.early')
        .flatMap((metric) => metric.dataPoints as DataPoint<number>[]);
      expect(points.map((p) => [p.attributes, p.value])).toEqual([[{ phase: 'after' }, 1]]);
    } finally {
      metrics.disable();
      refreshInstruments();
      await provider.shutdown();
    }
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

  it('exports as the managed identity APPLICATIONINSIGHTS_AUTHENTICATION_STRING names (local auth is off)', async () => {
    const useAzureMonitor = vi.fn();
    const credential = { getToken: vi.fn() };
    const credentialFor = vi.fn(() => credential);
    const telemetry = createTelemetryStarter(async () => ({ useAzureMonitor }), undefined, credentialFor);
    const env = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=00000000-0000-0000-0000-000000000000',
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
        'ClientId=11111111-aaaa-bbbb-cccc-000000000001;Authorization=AAD',
    };
    expect(await telemetry.start(env)).toBe(true);
    expect(credentialFor).toHaveBeenCalledWith('11111111-aaaa-bbbb-cccc-000000000001');
    expect(useAzureMonitor).toHaveBeenCalledWith({
      azureMonitorExporterOptions: {
        connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING,
        credential,
      },
    });
  });

  it('builds a ManagedIdentityCredential by default: user-assigned with ClientId, system-assigned without', async () => {
    const options: unknown[] = [];
    const load = async () => ({ useAzureMonitor: (o: unknown) => options.push(o) });
    const connection = { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=0' };
    await createTelemetryStarter(load).start({
      ...connection,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
        'Authorization=AAD;ClientId=22222222-aaaa-bbbb-cccc-000000000002',
    });
    await createTelemetryStarter(load).start({
      ...connection,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD',
    });
    const credentials = options.map(
      (o) =>
        (o as { azureMonitorExporterOptions: { credential?: unknown } }).azureMonitorExporterOptions
          .credential,
    );
    expect(credentials).toHaveLength(2);
    for (const credential of credentials) expect(credential).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('exports without Entra ID, and says why, when the authentication string is not Authorization=AAD', async () => {
    const lines: string[] = [];
    const useAzureMonitor = vi.fn();
    const credentialFor = vi.fn();
    const telemetry = createTelemetryStarter(
      async () => ({ useAzureMonitor }),
      createLogger((_level, line) => lines.push(line)),
      credentialFor,
    );
    const env = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=0',
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=x;Authorization=Key',
    };
    expect(await telemetry.start(env)).toBe(true);
    expect(credentialFor).not.toHaveBeenCalled();
    expect(useAzureMonitor).toHaveBeenCalledWith({
      azureMonitorExporterOptions: { connectionString: 'InstrumentationKey=0' },
    });
    expect(lines.join('\n')).toMatch(/APPLICATIONINSIGHTS_AUTHENTICATION_STRING/);
  });

  it('reads the authentication string as the Functions host does: case-insensitive keys, any order', () => {
    expect(parseAuthenticationString('ClientId=abc;Authorization=AAD')).toEqual({
      authorization: 'AAD',
      clientId: 'abc',
    });
    expect(parseAuthenticationString(' authorization = aad ; clientid = abc ; ')).toEqual({
      authorization: 'aad',
      clientId: 'abc',
    });
    expect(parseAuthenticationString('Authorization=AAD')).toEqual({ authorization: 'AAD' });
    expect(parseAuthenticationString('')).toEqual({});
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
