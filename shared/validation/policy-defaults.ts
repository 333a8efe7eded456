/**
 * Defaults of a policy's optional rules, shared by JSON policies (policy.ts) and the flat
 * `Validation__*` settings' catalogue entries (settings.ts). A module of its own, so the catalogue
 * states them without importing the policy loader, which reads the catalogue.
 */
export const POLICY_DEFAULTS = {
  versions: ['1.0', '2.0'] as Array<'1.0' | '2.0'>,
  rolesMatch: 'all' as 'all' | 'any',
  requireCertificateCredential: false,
  tokenKind: 'either' as 'app' | 'user' | 'either',
  clockSkewSeconds: 60,
  algorithms: ['RS256', 'PS256'] as Array<'RS256' | 'PS256'>,
  maxTokenBytes: 16384,
};
