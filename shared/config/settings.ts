/**
 * The settings catalogue: every app setting the product reads, with its default and where a
 * deployment gets it. The README's configuration table and the infra consistency checks are
 * derived from this list, so a setting exists in exactly one place.
 *
 * Names use `__` for hierarchy, as .NET and the Functions host do. A name may contain a placeholder
 * in angle brackets (`<name>`, `<n>`) for families of settings such as named clients.
 */
export interface SettingSpec {
  name: string;
  description: string;
  /** Default applied when unset; omitted when there is none. */
  default?: string;
  /** `bicep`: infra/ sets it on every deployment. `optional`: set by the operator when needed. */
  deploy: 'bicep' | 'optional';
  /** Holds a secret: never logged, never echoed, kept in Key Vault references in production. */
  secret?: boolean;
}

export type SettingsCatalogue = readonly SettingSpec[];

/** Thrown at start when settings are invalid; its message lists every problem at once. */
export class ConfigurationError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigurationError';
    this.problems = problems;
  }
}
