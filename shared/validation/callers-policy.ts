import { callersSettings } from '../callers/settings.js';
import { type Env, settingsReader } from '../platform/settings-reader.js';
import { tokenSettings } from '../tokens/settings.js';

/** The policy caller tokens are checked with when `Callers__Audience` builds it. */
export const CALLERS_POLICY = 'callers';

/**
 * The `callers` policy from `Callers__Audience` and the tenant: app-only tokens Entra issued for the
 * product's own API, checked by the same verifier and rules as every other policy. Undefined when
 * `Callers__Audience` is unset (callers may then name a policy of their own with `Callers__Policy`).
 */
export function callersPolicyInput(
  env: Env,
  problems: string[],
): { name: string; input: Record<string, unknown> } | undefined {
  const settings = settingsReader(env, callersSettings);
  const audiences = settings.list('Callers__Audience');
  if (audiences.length === 0) return undefined;
  let tenants = settings.list('Callers__TenantId');
  if (tenants.length === 0) tenants = settingsReader(env, tokenSettings).list('AzureAd__TenantId');
  if (tenants.length === 0) {
    problems.push('Callers__TenantId: required with Callers__Audience (or AzureAd__TenantId)');
    return undefined;
  }
  const requireCertificateCredential = settings.bool('Callers__RequireCertificateCredential');
  problems.push(...settings.problems);
  return {
    name: CALLERS_POLICY,
    input: { tenants, audiences, tokenKind: 'app', requireCertificateCredential, realm: 'callers' },
  };
}
