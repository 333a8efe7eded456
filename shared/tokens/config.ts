import * as z from 'zod';
import { ConfigurationError } from '../platform/errors.js';
import { defaultOf, type Env, settingsReader } from '../platform/settings-reader.js';
import { TOKEN_EXCHANGE_AUDIENCE, tokenSettings } from './settings.js';

/**
 * Parses the token settings (Microsoft.Identity.Web shapes) into typed client descriptions. A broken
 * client never stops the app: it is reported in `problems` (and as one ConfigurationError) and the
 * token endpoint answers requests for it with a clear error.
 */
export type CredentialDescription =
  | { sourceType: 'KeyVault'; keyVaultUrl: string; certificateName: string }
  | { sourceType: 'Path'; path: string; password?: string }
  | { sourceType: 'Base64Encoded'; value: string; password?: string }
  | { sourceType: 'SignedAssertionFromManagedIdentity'; managedIdentityClientId?: string; audience: string };

export interface ClientConfig {
  name: string;
  instance: string;
  tenantId: string;
  clientId: string;
  sendX5C: boolean;
  allowedScopes: ReadonlySet<string>;
  credentials: CredentialDescription[];
}

export interface TokenConfig {
  clients: ReadonlyMap<string, ClientConfig>;
  /** Clients that are named in settings but invalid, with what is wrong (no secret values). */
  invalidClients: ReadonlyMap<string, string[]>;
  problems: string[];
  certificateRefreshSeconds: number;
}

export const DEFAULT_CLIENT = 'default';
export const DEFAULT_INSTANCE = defaultOf(tokenSettings, 'AzureAd__Instance') as string;
const CLIENT_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const GUID_OR_DOMAIN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[A-Za-z0-9.-]+)$/i;
const SCOPE = /^\S+\/\.default$/;

const httpsUrl = z
  .url({ protocol: /^https$/, error: 'must be an https URL' })
  .transform((u) => (u.endsWith('/') ? u : `${u}/`));
const nonEmpty = z.string({ error: 'is required' }).trim().min(1, 'is required');
const bool = z
  .enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'], { error: 'must be true or false' })
  .transform((v) => v.toLowerCase() === 'true');

const credentialSchema = z.discriminatedUnion(
  'SourceType',
  [
    z.object({ SourceType: z.literal('KeyVault'), KeyVaultUrl: httpsUrl, KeyVaultCertificateName: nonEmpty }),
    z.object({
      SourceType: z.literal('Path'),
      CertificateDiskPath: nonEmpty,
      CertificatePassword: z.string().optional(),
    }),
    z.object({
      SourceType: z.literal('Base64Encoded'),
      Base64EncodedValue: nonEmpty.regex(/^[A-Za-z0-9+/=\s]+$/, 'must be base64'),
      CertificatePassword: z.string().optional(),
    }),
    z.object({
      SourceType: z.literal('SignedAssertionFromManagedIdentity'),
      ManagedIdentityClientId: z.string().optional(),
      TokenExchangeUrl: nonEmpty.optional(),
    }),
  ],
  { error: 'must be KeyVault, Path, Base64Encoded or SignedAssertionFromManagedIdentity' },
);

const clientSchema = z.object({
  Instance: httpsUrl,
  TenantId: nonEmpty.regex(GUID_OR_DOMAIN, 'must be a tenant GUID or domain'),
  ClientId: nonEmpty,
  SendX5C: bool.optional(),
  AllowedScopes: z.string().optional(),
  ClientCredentials: z.array(credentialSchema).min(1, 'needs at least one entry'),
});

/** Case-insensitive view of the `<prefix>__…` settings as a nested object (arrays for numeric keys). */
function section(env: Env, prefix: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const lower = `${prefix.toLowerCase()}__`;
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || !key.toLowerCase().startsWith(lower)) continue;
    const path = key.slice(lower.length).split('__');
    let node: Record<string, unknown> = root;
    path.forEach((part, index) => {
      const canonical = canonicalKey(part);
      if (index === path.length - 1) node[canonical] = value;
      else {
        node[canonical] ??= {};
        node = node[canonical] as Record<string, unknown>;
      }
    });
  }
  return root;
}

const KNOWN_KEYS = [
  'Instance',
  'TenantId',
  'ClientId',
  'SendX5C',
  'AllowedScopes',
  'ClientCredentials',
  'SourceType',
  'KeyVaultUrl',
  'KeyVaultCertificateName',
  'CertificateDiskPath',
  'CertificatePassword',
  'Base64EncodedValue',
  'ManagedIdentityClientId',
  'TokenExchangeUrl',
];
const canonical = new Map(KNOWN_KEYS.map((k) => [k.toLowerCase(), k]));
const canonicalKey = (part: string): string => canonical.get(part.toLowerCase()) ?? part;

/** `{0: a, 1: b}` → `[a, b]`; gaps are reported rather than silently skipped. */
function credentialList(raw: unknown, where: string, problems: string[]): unknown[] {
  if (raw === undefined) return [];
  if (typeof raw !== 'object' || raw === null) {
    problems.push(`${where}__ClientCredentials must be a list (__0__SourceType, __1__SourceType, …)`);
    return [];
  }
  const entries = Object.entries(raw as Record<string, unknown>);
  const list: unknown[] = [];
  for (const [index, value] of entries) {
    if (!/^\d+$/.test(index)) {
      problems.push(`${where}__ClientCredentials__${index}: index must be a number`);
      continue;
    }
    list[Number(index)] = value;
  }
  for (let i = 0; i < list.length; i++) {
    if (list[i] === undefined)
      problems.push(`${where}__ClientCredentials__${i}: missing (indexes must be 0, 1, …)`);
  }
  return list.filter((item) => item !== undefined);
}

function toCredential(raw: z.infer<typeof credentialSchema>): CredentialDescription {
  switch (raw.SourceType) {
    case 'KeyVault':
      return {
        sourceType: 'KeyVault',
        keyVaultUrl: raw.KeyVaultUrl,
        certificateName: raw.KeyVaultCertificateName,
      };
    case 'Path':
      return { sourceType: 'Path', path: raw.CertificateDiskPath, password: raw.CertificatePassword };
    case 'Base64Encoded':
      return {
        sourceType: 'Base64Encoded',
        value: raw.Base64EncodedValue.replace(/\s+/g, ''),
        password: raw.CertificatePassword,
      };
    case 'SignedAssertionFromManagedIdentity':
      return {
        sourceType: 'SignedAssertionFromManagedIdentity',
        managedIdentityClientId: raw.ManagedIdentityClientId || undefined,
        audience: raw.TokenExchangeUrl ?? TOKEN_EXCHANGE_AUDIENCE,
      };
  }
}

function parseClient(
  name: string,
  where: string,
  raw: Record<string, unknown>,
  inherited: Record<string, unknown>,
): { client?: ClientConfig; problems: string[] } {
  const problems: string[] = [];
  const credentials = credentialList(raw.ClientCredentials, where, problems);
  const input = {
    Instance: raw.Instance ?? inherited.Instance ?? DEFAULT_INSTANCE,
    TenantId: raw.TenantId ?? inherited.TenantId,
    ClientId: raw.ClientId,
    SendX5C: raw.SendX5C,
    AllowedScopes: raw.AllowedScopes,
    ClientCredentials: credentials,
  };
  const parsed = clientSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.map(String).join('__');
      const key =
        path.startsWith('ClientCredentials__') && issue.path.length === 2 ? `${path}__SourceType` : path;
      // Zod messages never include the input value, so secrets cannot leak through them.
      problems.push(`${where}__${key} ${issue.message}`);
    }
  }
  const scopes = String(raw.AllowedScopes ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const scope of scopes) {
    if (!SCOPE.test(scope))
      problems.push(`${where}__AllowedScopes: "${scope}" is not a <resource>/.default scope`);
  }
  if (!parsed.success || problems.length > 0) return { problems };
  const value = parsed.data;
  return {
    problems,
    client: {
      name,
      instance: value.Instance,
      tenantId: value.TenantId,
      clientId: value.ClientId,
      sendX5C: value.SendX5C ?? false,
      allowedScopes: new Set(scopes),
      credentials: value.ClientCredentials.map(toCredential),
    },
  };
}

export function parseTokenConfig(env: Env): TokenConfig {
  const clients = new Map<string, ClientConfig>();
  const invalidClients = new Map<string, string[]>();
  const problems: string[] = [];
  const azureAd = section(env, 'AzureAd');
  const record = (name: string, where: string, raw: Record<string, unknown>) => {
    const result = parseClient(name, where, raw, azureAd);
    if (result.client) clients.set(name, result.client);
    else invalidClients.set(name, result.problems);
    problems.push(...result.problems);
  };
  // The default client exists once its identity is described; Instance/TenantId alone serve as
  // inherited values for named clients.
  if (azureAd.ClientId !== undefined || azureAd.ClientCredentials !== undefined)
    record(DEFAULT_CLIENT, 'AzureAd', azureAd);
  for (const [name, raw] of Object.entries(section(env, 'Clients'))) {
    if (!CLIENT_NAME.test(name)) {
      problems.push(`Clients__${name}: a client name has letters, digits, '-' or '_' only`);
      continue;
    }
    if (name.toLowerCase() === DEFAULT_CLIENT) {
      problems.push(`Clients__${name}: "default" is the AzureAd section; choose another name`);
      continue;
    }
    if (typeof raw !== 'object' || raw === null) {
      problems.push(`Clients__${name} must be a section (Clients__${name}__ClientId, …)`);
      continue;
    }
    record(name, `Clients__${name}`, raw as Record<string, unknown>);
  }
  const settings = settingsReader(env, tokenSettings);
  const certificateRefreshSeconds = settings.int('Tokens__CertificateRefreshSeconds', { max: 86_400 });
  problems.push(...settings.problems);
  return { clients, invalidClients, problems, certificateRefreshSeconds };
}

/** The problems as one ConfigurationError, or undefined when the token settings are valid. */
export function tokenConfigurationError(config: TokenConfig): ConfigurationError | undefined {
  return config.problems.length > 0 ? new ConfigurationError(config.problems) : undefined;
}
