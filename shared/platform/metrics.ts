import { type Attributes, type Counter, type Histogram, type Meter, metrics } from '@opentelemetry/api';
import { productVersion } from './version.js';

/**
 * Metrics through the OpenTelemetry metrics API, exported by the Azure Monitor distro when
 * telemetry runs (telemetry.ts), a no-op otherwise. Every capability declares its metrics as
 * `MetricSpec`s (its own `metrics.ts`), and shared/catalogue.ts gathers them for the README table,
 * as it does the settings. Names carry one prefix; attributes are low-cardinality only: never a
 * token, a secret, a user or an id that is not configured.
 */
export const METRIC_PREFIX = 'gateway_plumbing.';

export interface MetricSpec {
  name: string;
  kind: 'counter' | 'histogram' | 'gauge';
  /** UCUM, as OpenTelemetry's semantic conventions write units (`ms`, `s`, `{validation}`). */
  unit: string;
  description: string;
  /** The attribute keys it carries, each with its bounded set of values. */
  attributes: Readonly<Record<string, string>>;
}

export type MetricsCatalogue = readonly MetricSpec[];

const METER_NAME = 'entra-gateway-token-plumbing';

// The API has no proxy meter provider: a meter taken before the distro registers its provider
// stays a no-op. Instruments are therefore (re)made from the current provider on first use after
// each `refreshInstruments()`, which telemetry start calls once the provider is registered.
let generation = 0;
let meter: Meter | undefined;

function currentMeter(): Meter {
  meter ??= metrics.getMeter(METER_NAME, productVersion());
  return meter;
}

/** Re-reads the global meter provider: telemetry start and tests call it after registering one. */
export function refreshInstruments(): void {
  generation += 1;
  meter = undefined;
  for (const register of gaugeRegistrations) register();
}

/** A counter of one spec: `add(attributes)` adds 1 (or `value`). */
export function counter(spec: MetricSpec): { add(attributes: Attributes, value?: number): void } {
  let made: Counter | undefined;
  let madeIn = -1;
  return {
    add(attributes, value = 1) {
      if (madeIn !== generation) {
        made = currentMeter().createCounter(spec.name, { unit: spec.unit, description: spec.description });
        madeIn = generation;
      }
      made?.add(value, attributes);
    },
  };
}

export function histogram(spec: MetricSpec): { record(value: number, attributes: Attributes): void } {
  let made: Histogram | undefined;
  let madeIn = -1;
  return {
    record(value, attributes) {
      if (madeIn !== generation) {
        made = currentMeter().createHistogram(spec.name, { unit: spec.unit, description: spec.description });
        madeIn = generation;
      }
      made?.record(value, attributes);
    },
  };
}

const gaugeRegistrations: Array<() => void> = [];

/**
 * An observable gauge: `observe` is called at each collection and yields the current values.
 * Registered with the provider in force, and again whenever the provider changes.
 */
export function gauge(spec: MetricSpec, observe: () => Iterable<[number, Attributes]>): void {
  const register = () => {
    currentMeter()
      .createObservableGauge(spec.name, { unit: spec.unit, description: spec.description })
      .addCallback((result) => {
        for (const [value, attributes] of observe()) result.observe(value, attributes);
      });
  };
  gaugeRegistrations.push(register);
  register();
}

/** Attribute objects are made once per combination, so the hot path allocates none. */
export function attributeCache<K extends string>(): (key: K, make: () => Attributes) => Attributes {
  const cache = new Map<K, Attributes>();
  return (key, make) => {
    let attributes = cache.get(key);
    if (!attributes) {
      attributes = Object.freeze(make());
      if (cache.size < 10_000) cache.set(key, attributes);
    }
    return attributes;
  };
}

/**
 * A counter for a hot path: `add(key, make)` adds 1 to an in-process count per attribute combination
 * (one Map lookup; the SDK's synchronous counter hashes its attributes on every add, measured at
 * most of a validation cache hit's cost), and an observable counter reports the cumulative counts at
 * each collection. `make` builds the attributes once per key; at most 10,000 combinations.
 */
export function tally(spec: MetricSpec): { add(key: string, make: () => Attributes): void } {
  const counts = new Map<string, { attributes: Attributes; value: number }>();
  const register = () => {
    currentMeter()
      .createObservableCounter(spec.name, { unit: spec.unit, description: spec.description })
      .addCallback((result) => {
        for (const { attributes, value } of counts.values()) result.observe(value, attributes);
      });
  };
  gaugeRegistrations.push(register);
  register();
  return {
    add(key, make) {
      const slot = counts.get(key);
      if (slot) slot.value += 1;
      else if (counts.size < 10_000) counts.set(key, { attributes: Object.freeze(make()), value: 1 });
    },
  };
}
