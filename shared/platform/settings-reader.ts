/**
 * Settings: every app setting the product reads is declared once, with its default, in its
 * capability's catalogue list (`SettingSpec`), and read through `settingsReader`, which takes the
 * default from that declaration. The README's configuration table and the infra checks are derived
 * from the same lists, so a setting and its default exist in exactly one place.
 *
 * Names use `__` for hierarchy, as .NET and the Functions host do. A name may contain a placeholder
 * in angle brackets (`<name>`, `<n>`) for families of settings such as named clients.
 */
export type Env = Readonly<Record<string, string | undefined>>;

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

export interface NumberBounds {
  min?: number;
  max?: number;
}

/**
 * Typed reads of one capability's settings. A value that does not parse adds one problem naming
 * the setting (never its value, which may be a secret) and reads as the default, so a runtime can
 * collect every problem before it decides.
 */
export interface SettingsReader {
  readonly problems: string[];
  /** Trimmed text; the default when unset or blank. */
  string(name: string): string | undefined;
  /** Comma-separated, trimmed, empties dropped. */
  list(name: string): string[];
  /** `true` or `false`, any case. */
  bool(name: string): boolean;
  /** A whole number within the bounds. */
  int(name: string, bounds?: NumberBounds): number;
  /** A duration in seconds (fractions allowed), 0 or more unless the bounds say otherwise. */
  seconds(name: string, bounds?: NumberBounds): number;
}

/** The declared default of a setting, for code that needs the value outside a reader. */
export function defaultOf(specs: SettingsCatalogue, name: string): string | undefined {
  return specOf(specs, name).default;
}

function specOf(specs: SettingsCatalogue, name: string): SettingSpec {
  const spec = specs.find((candidate) => candidate.name === name);
  // A programming error, caught by the capability's unit tests: every read is declared.
  if (!spec) throw new Error(`Setting ${name} is not declared in its capability's settings list.`);
  return spec;
}

const range = ({ min, max }: NumberBounds) =>
  max === undefined ? `${min ?? 0} or more` : `from ${min ?? 0} to ${max}`;

export function settingsReader(env: Env, specs: SettingsCatalogue): SettingsReader {
  const problems: string[] = [];
  const raw = (name: string): string | undefined => {
    const spec = specOf(specs, name);
    const value = env[name]?.trim();
    return value ? value : spec.default;
  };
  const required = (name: string, value: string | undefined): string => {
    if (value === undefined) throw new Error(`Setting ${name} has no default; read it with string().`);
    return value;
  };
  const fallback = <T>(name: string, parse: (text: string) => T | undefined, rule: string): T => {
    const declared = specOf(specs, name).default;
    const value = parse(required(name, raw(name)));
    if (value !== undefined) return value;
    problems.push(`${name}: must be ${rule}`);
    const parsedDefault = parse(required(name, declared));
    if (parsedDefault === undefined) throw new Error(`Setting ${name} has an invalid default.`);
    return parsedDefault;
  };
  const numeric =
    (integer: boolean, bounds: NumberBounds) =>
    (text: string): number | undefined => {
      const value = Number(text);
      const { min = 0, max = Number.MAX_SAFE_INTEGER } = bounds;
      if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) return undefined;
      return value >= min && value <= max ? value : undefined;
    };
  return {
    problems,
    string: raw,
    list: (name) =>
      (raw(name) ?? '')
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    bool: (name) =>
      fallback(
        name,
        (text) => {
          const lower = text.toLowerCase();
          return lower === 'true' ? true : lower === 'false' ? false : undefined;
        },
        'true or false',
      ),
    int: (name, bounds = {}) => fallback(name, numeric(true, bounds), `an integer ${range(bounds)}`),
    seconds: (name, bounds = {}) => fallback(name, numeric(false, bounds), `a number ${range(bounds)}`),
  };
}
