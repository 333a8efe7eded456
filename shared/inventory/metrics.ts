import type { Attributes } from '@opentelemetry/api';
import { attributeCache, counter, gauge, METRIC_PREFIX, type MetricsCatalogue } from '../platform/metrics.js';

/** The inventory capability's metrics (README "Metrics", generated from this list). */
export const INVENTORY_CREDENTIALS = {
  name: `${METRIC_PREFIX}inventory.credentials`,
  kind: 'gauge',
  unit: '{credential}',
  description: 'Credentials of the watched apps by status, as of the last inventory run on this instance.',
  attributes: {
    status: '`ok`, `notice`, `warning`, `critical`, `expired`, `unknown`',
    managed: '`true` (the product rotates it), `false`',
  },
} as const;

export const INVENTORY_RUNS = {
  name: `${METRIC_PREFIX}inventory.runs`,
  kind: 'counter',
  unit: '{run}',
  description: 'Inventory runs by outcome.',
  attributes: {
    outcome: '`complete`, `partial` (some apps failed and kept their previous snapshot), `failed`',
  },
} as const;

export const GRAPH_REQUESTS = {
  name: `${METRIC_PREFIX}graph.requests`,
  kind: 'counter',
  unit: '{request}',
  description:
    'Microsoft Graph requests the inventory starts (a listing counts once, however many pages it follows), and every 429 answer (each retried after Retry-After).',
  attributes: { capability: '`inventory`', answer: '`sent` (requests started), `throttled` (429 answers)' },
} as const;

export const inventoryMetrics: MetricsCatalogue = [INVENTORY_CREDENTIALS, INVENTORY_RUNS, GRAPH_REQUESTS];

const runs = counter(INVENTORY_RUNS);
const graphRequests = counter(GRAPH_REQUESTS);
const attributes = attributeCache<string>();
let lastCounts: Array<[number, Attributes]> = [];

/** Credentials counted per (status, managed) in one run. */
export function credentialCounts(): {
  add(status: string, managed: boolean): void;
  entries(): Array<[number, Attributes]>;
} {
  const counts = new Map<string, number>();
  return {
    add(status, managed) {
      const key = `${status}\n${managed}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    },
    entries() {
      return [...counts].map(([key, value]) => {
        const [status, managed] = key.split('\n') as [string, string];
        return [value, attributes(`c\n${key}`, () => ({ status, managed }))];
      });
    },
  };
}

export function recordInventoryRun(
  outcome: 'complete' | 'partial' | 'failed',
  counts?: Array<[number, Attributes]>,
): void {
  runs.add(attributes(`r\n${outcome}`, () => ({ outcome })));
  if (counts) lastCounts = counts;
}

export function recordGraphRequest(answer: 'sent' | 'throttled'): void {
  graphRequests.add(attributes(`g\n${answer}`, () => ({ capability: 'inventory', answer })));
}

gauge(INVENTORY_CREDENTIALS, () => lastCounts);
