import { attributeCache, counter, METRIC_PREFIX, type MetricsCatalogue } from '../platform/metrics.js';

/** Rotation's metrics (README "Metrics", generated from this list). */
export const ROTATIONS = {
  name: `${METRIC_PREFIX}rotation.rotations`,
  kind: 'counter',
  unit: '{rotation}',
  description: 'Rotation steps finished, by outcome and step.',
  attributes: {
    outcome:
      '`complete`, `failed`, `compensated`, `removed`, `still_in_use`, `deferred` (no answer: the next run resumes)',
    step: '`add`, `store`, `verify`, `remove`, `resume`',
  },
} as const;

export const GRAPH_CALLS = {
  name: `${METRIC_PREFIX}rotation.graph_calls`,
  kind: 'counter',
  unit: '{call}',
  description: 'Graph calls rotation made, by operation and outcome (429s counted as `throttled`).',
  attributes: {
    operation: '`ownedObjects`, `application`, `addPassword`, `removePassword`, `signInActivity`',
    outcome: '`success`, `failure`, `throttled`, `retried`',
  },
} as const;

export const rotationMetrics: MetricsCatalogue = [ROTATIONS, GRAPH_CALLS];

const rotations = counter(ROTATIONS);
const graphCalls = counter(GRAPH_CALLS);
const attributes = attributeCache<string>();

export type RotationOutcome = 'complete' | 'failed' | 'compensated' | 'removed' | 'still_in_use' | 'deferred';
export type RotationMetricStep = 'add' | 'store' | 'verify' | 'remove' | 'resume';

export function recordRotation(outcome: RotationOutcome, step: RotationMetricStep): void {
  rotations.add(attributes(`r\n${outcome}\n${step}`, () => ({ outcome, step })));
}

export function recordGraphCall(
  operation: string,
  outcome: 'success' | 'failure' | 'throttled' | 'retried',
): void {
  graphCalls.add(attributes(`g\n${operation}\n${outcome}`, () => ({ operation, outcome })));
}
