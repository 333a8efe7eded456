import { type Attributes, metrics } from '@opentelemetry/api';
import { type DataPoint, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { refreshInstruments } from '../../shared/platform/metrics.js';

/** A reader that only collects when asked (the SDK's pull model, in memory). */
class PullReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

export interface MetricPoint {
  attributes: Attributes;
  /** A counter's sum, a gauge's value, or a histogram's count. */
  value: number;
}

/**
 * Installs an in-memory meter provider as the global one (as the Azure Monitor distro does in
 * Azure) and reads what the product recorded. `stop()` puts the no-op provider back.
 */
export function captureMetrics() {
  const reader = new PullReader();
  const provider = new MeterProvider({ readers: [reader] });
  metrics.disable();
  metrics.setGlobalMeterProvider(provider);
  refreshInstruments();
  return {
    async points(name: string): Promise<MetricPoint[]> {
      const { resourceMetrics } = await reader.collect();
      const found = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((m) => m.descriptor.name === name);
      return found.flatMap((metric) =>
        (metric.dataPoints as DataPoint<unknown>[]).map((point) => ({
          attributes: point.attributes,
          value: typeof point.value === 'number' ? point.value : (point.value as { count: number }).count,
        })),
      );
    },
    /** Every attribute value recorded, for leak checks. */
    async allAttributeValues(): Promise<string[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .flatMap((metric) =>
          (metric.dataPoints as DataPoint<unknown>[]).flatMap((p) => Object.values(p.attributes)),
        )
        .map(String);
    },
    async stop(): Promise<void> {
      metrics.disable();
      refreshInstruments();
      await provider.shutdown();
    },
  };
}
