import type { SettingSpec } from '../shared/platform/settings-reader.js';

export declare const START_MARKER: string;
export declare const END_MARKER: string;
export declare function renderSettingsTable(catalogue: readonly SettingSpec[]): string;
export declare function replaceSettingsTable(readme: string, table: string): string;
