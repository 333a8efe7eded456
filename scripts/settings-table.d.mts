import type { SettingSpec } from '../shared/config/settings.js';

export declare const START_MARKER: string;
export declare const END_MARKER: string;
export declare function renderSettingsTable(catalogue: readonly SettingSpec[]): string;
export declare function replaceSettingsTable(readme: string, table: string): string;
