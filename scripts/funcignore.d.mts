export interface IgnoreRule {
  negate: boolean;
  directoryOnly: boolean;
  regex: RegExp;
  source: string;
}

export declare function parseIgnoreRules(text: string): IgnoreRule[];
export declare function isIgnored(rules: readonly IgnoreRule[], path: string): boolean;
export declare function isDirectoryIgnored(rules: readonly IgnoreRule[], path: string): boolean;
