import * as z from 'zod';
import { ConfigurationError } from '../platform/errors.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { callersPolicyInput } from './callers-policy.js';
import { dashboardPolicyInput } from './dashboard-policy.js';
import { POLICY_DEFAULTS } from './policy-defaults.js';
import { validationSettings } from './settings.js';

/**
 * Validation policies: what a token must look like to pass `/api/validate/{policy}`. Policies come
 * from one JSON setting (`Validation__Policies`) or file (`Validation__PoliciesFile`); a `default`
 * policy can also be built from flat settings (`Validation__TenantId`, `Validation__Audiences`, ...).
 * Loading validates everything and reports every problem at once.
 */

export const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Asymmetric JWS algorithms only: HMAC and `none` can never be allowed (RFC 8725 §3.1, §3.2). */
export const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
] as const;
export type Algorithm = (typeof ALGORITHMS)[number];

export const MAX_CLOCK_SKEW_SECONDS = 300;

const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/;

const guid = z.string().regex(GUID, 'must be a tenant GUID');
const nonEmpty = z.string().trim().min(1);
const template = z
  .string()
  .url()
  .refine((value) => value.startsWith('https://') || value.startsWith('http://'), 'must be an http(s) URL');

const requiredClaim = z.strictObject({
  claim: nonEmpty,
  values: z.array(nonEmpty).min(1),
  match: z.enum(['all', 'any']).default('all'),
  /** Splits a string claim into values (e.g. " " for `scp`); arrays are used as they are. */
  separator: z.string().min(1).optional(),
});

const headers = z
  .strictObject({
    clientId: z.string().regex(HEADER_NAME, 'must be a header name').default('X-AGW-client_id'),
    userId: z.string().regex(HEADER_NAME, 'must be a header name').default('X-AGW-userid'),
    /** Header name -> claim name. Arrays are comma-joined; values are made header-safe or dropped. */
    claims: z.record(z.string().regex(HEADER_NAME, 'must be a header name'), nonEmpty).default({}),
  })
  .default({ clientId: 'X-AGW-client_id', userId: 'X-AGW-userid', claims: {} });

export const policySchema = z
  .strictObject({
    /** Tenant GUIDs, or `any` (multi-tenant; `allowedTenants` optionally limits it). */
    tenants: z.union([z.literal('any'), z.array(guid).min(1)]),
    allowedTenants: z.array(guid).optional(),
    versions: z
      .array(z.enum(['1.0', '2.0']))
      .min(1)
      .default(POLICY_DEFAULTS.versions),
    /** Authority host for discovery, e.g. `https://login.microsoftonline.com/`. */
    instance: template.optional(),
    /** Discovery URL templates per version; `{tenantid}` is replaced by the token's tenant (or `common`). */
    metadataUrls: z.strictObject({ v1: template.optional(), v2: template.optional() }).default({}),
    /** Issuer templates per version; by default the `issuer` of the discovery document. */
    issuers: z.strictObject({ v1: nonEmpty.optional(), v2: nonEmpty.optional() }).default({}),
    audiences: z.array(nonEmpty).min(1),
    allowedClientIds: z.array(nonEmpty).default([]),
    requireCertificateCredential: z.boolean().default(POLICY_DEFAULTS.requireCertificateCredential),
    requiredScopes: z.array(nonEmpty).default([]),
    requiredRoles: z.array(nonEmpty).default([]),
    rolesMatch: z.enum(['all', 'any']).default(POLICY_DEFAULTS.rolesMatch),
    requiredClaims: z.array(requiredClaim).default([]),
    tokenKind: z.enum(['app', 'user', 'either']).default(POLICY_DEFAULTS.tokenKind),
    clockSkewSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_CLOCK_SKEW_SECONDS)
      .default(POLICY_DEFAULTS.clockSkewSeconds),
    algorithms: z.array(z.enum(ALGORITHMS)).min(1).default(POLICY_DEFAULTS.algorithms),
    maxTokenBytes: z.number().int().min(512).max(65536).default(POLICY_DEFAULTS.maxTokenBytes),
    maxTokenAgeSeconds: z.number().int().positive().optional(),
    requireExp: z.boolean().default(true),
    requireNbf: z.boolean().default(true),
    realm: z
      .string()
      .regex(
        /^[\x20-\x21\x23-\x5b\x5d-\x7e]{1,128}$/,
        'must be printable ASCII without quotes or backslashes',
      )
      .default('api'),
    /** Status for rejected tokens instead of 401/403, like APIM's failed-validation-httpcode. */
    failedValidationStatus: z.number().int().min(400).max(499).optional(),
    /** Claims copied into the 200 body of `/api/validate`. */
    selectedClaims: z.array(nonEmpty).default([]),
    headers,
  })
  .superRefine((policy, ctx) => {
    if (policy.allowedTenants && policy.tenants !== 'any') {
      ctx.addIssue({
        code: 'custom',
        message: 'allowedTenants only applies with tenants: "any"',
        path: ['allowedTenants'],
      });
    }
  });

export type Policy = z.output<typeof policySchema> & { name: string };
export type PolicyInput = z.input<typeof policySchema>;

/**
 * The flat `default` policy, or undefined when neither of its two required settings is set.
 * Unset optional settings read as their catalogue defaults, which are POLICY_DEFAULTS.
 */
function flatDefault(env: Env, problems: string[]): Record<string, unknown> | undefined {
  const settings = settingsReader(env, validationSettings);
  if (!settings.string('Validation__TenantId') && !settings.string('Validation__Audiences')) return undefined;
  const tenant = settings.string('Validation__TenantId') ?? '';
  const out: Record<string, unknown> = {
    tenants: tenant.toLowerCase() === 'any' ? 'any' : settings.list('Validation__TenantId'),
    audiences: settings.list('Validation__Audiences'),
    versions: settings.list('Validation__TokenVersions'),
    algorithms: settings.list('Validation__Algorithms'),
    rolesMatch: settings.string('Validation__RolesMatch'),
    tokenKind: settings.string('Validation__TokenKind'),
    requireCertificateCredential: settings.bool('Validation__RequireCertificateCredential'),
    clockSkewSeconds: settings.seconds('Validation__ClockSkewSeconds'),
    maxTokenBytes: settings.int('Validation__MaxTokenBytes'),
  };
  const optionalLists: Array<[string, string]> = [
    ['Validation__AllowedTenants', 'allowedTenants'],
    ['Validation__AllowedClientIds', 'allowedClientIds'],
    ['Validation__RequiredScopes', 'requiredScopes'],
    ['Validation__RequiredRoles', 'requiredRoles'],
  ];
  for (const [setting, key] of optionalLists) {
    const values = settings.list(setting);
    if (values.length > 0) out[key] = values;
  }
  problems.push(...settings.problems);
  return out;
}

function describe(issue: z.core.$ZodIssue): string {
  const path = issue.path.map(String).join('.');
  return path ? `${path}: ${issue.message}` : issue.message;
}

export interface LoadPolicyOptions {
  readFile?: (path: string) => string;
}

/**
 * Builds every policy from settings. Throws one ConfigurationError listing all problems; returns
 * an empty map when nothing is configured (the endpoints then answer 503 configuration_invalid).
 */
export function loadPolicies(env: Env, options: LoadPolicyOptions = {}): Map<string, Policy> {
  const problems: string[] = [];
  const raw: Record<string, unknown> = {};
  const flat = flatDefault(env, problems);
  if (flat) raw.default = flat;
  // Policies built from other capabilities' settings (Callers__Audience, Dashboard__ClientId).
  const builtIn = [
    { policy: callersPolicyInput(env, problems), by: 'Callers__Audience' },
    { policy: dashboardPolicyInput(env, problems), by: 'Dashboard__ClientId' },
  ].flatMap(({ policy, by }) => (policy ? [{ ...policy, by }] : []));
  for (const policy of builtIn) raw[policy.name] = policy.input;

  let json: string | undefined;
  let source = 'Validation__Policies';
  if (env.Validation__Policies && env.Validation__PoliciesFile) {
    problems.push('Validation__Policies and Validation__PoliciesFile are both set; use one');
  } else if (env.Validation__Policies) {
    json = env.Validation__Policies;
  } else if (env.Validation__PoliciesFile) {
    source = `Validation__PoliciesFile (${env.Validation__PoliciesFile})`;
    try {
      json = (options.readFile ?? (() => ''))(env.Validation__PoliciesFile);
    } catch (error) {
      problems.push(`${source}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  if (json !== undefined) {
    try {
      const parsed: unknown = JSON.parse(json);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        problems.push(`${source}: must be a JSON object of named policies`);
      } else {
        for (const [name, value] of Object.entries(parsed)) {
          if (name === 'default' && flat) {
            problems.push(`${source}: "default" is also defined by the flat Validation__* settings; use one`);
          }
          const same = builtIn.find((policy) => policy.name === name);
          if (same) problems.push(`${source}: "${name}" is also defined by ${same.by}; use one`);
          raw[name] = value;
        }
      }
    } catch {
      problems.push(`${source}: is not valid JSON`);
    }
  }

  const policies = new Map<string, Policy>();
  for (const [name, value] of Object.entries(raw)) {
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) {
      problems.push(`policy "${name}": names use letters, digits, '-' and '_' only`);
      continue;
    }
    const result = policySchema.safeParse(value);
    if (!result.success) {
      for (const issue of result.error.issues) problems.push(`policy "${name}": ${describe(issue)}`);
      continue;
    }
    policies.set(name, { ...result.data, name });
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  return policies;
}
