import { auditMetrics } from './audit/metrics.js';
import { auditSettings } from './audit/settings.js';
import { callersSettings } from './callers/settings.js';
import { dashboardSettings } from './dashboard/settings.js';
import { inventoryMetrics } from './inventory/metrics.js';
import { inventorySettings } from './inventory/settings.js';
import { eventPublisherSettings } from './platform/event-publisher.js';
import { graphSettings } from './platform/graph.js';
import { identitySettings } from './platform/identity-settings.js';
import type { MetricsCatalogue } from './platform/metrics.js';
import { platformSettings } from './platform/settings.js';
import type { SettingsCatalogue } from './platform/settings-reader.js';
import { rotationMetrics } from './rotation/metrics.js';
import { rotationSettings } from './rotation/settings.js';
import { tokenMetrics } from './tokens/metrics.js';
import { tokenSettings } from './tokens/settings.js';
import { validationMetrics } from './validation/metrics.js';
import { validationSettings } from './validation/settings.js';

/** Every setting the product reads. Each capability contributes its own list. */
export const settingsCatalogue: SettingsCatalogue = [
  ...platformSettings,
  ...identitySettings,
  ...tokenSettings,
  ...validationSettings,
  ...callersSettings,
  ...graphSettings,
  ...eventPublisherSettings,
  ...inventorySettings,
  ...auditSettings,
  ...rotationSettings,
  ...dashboardSettings,
];

/** Every metric the product emits. Each capability contributes its own list. */
export const metricsCatalogue: MetricsCatalogue = [
  ...validationMetrics,
  ...tokenMetrics,
  ...inventoryMetrics,
  ...auditMetrics,
  ...rotationMetrics,
];
