import type { MetricSpec } from '../shared/platform/metrics.js';
import type { SettingSpec } from '../shared/platform/settings-reader.js';

export declare const START_MARKER: string;
export declare const END_MARKER: string;
export declare function renderSettingsTable(catalogue: readonly SettingSpec[]): string;
export declare const METRICS_START_MARKER: string;
export declare const METRICS_END_MARKER: string;
export declare function renderMetricsTable(catalogue: readonly MetricSpec[]): string;
export declare function replaceSettingsTable(
  readme: string,
  table: string,
  startMarker?: string,
  endMarker?: string,
): string;
export declare function renderReadmeTables(
  readme: string,
  catalogues: { settingsCatalogue: readonly SettingSpec[]; metricsCatalogue: readonly MetricSpec[] },
): string;
