/**
 * The security headers of every dashboard response: a CSP without inline script or eval that
 * lets the page talk to itself and to the Entra authority only, no framing, no referrer, no sniffing.
 */
export function securityHeaders(authorityOrigin: string | undefined): Record<string, string> {
  const authority = authorityOrigin ? ` ${authorityOrigin}` : '';
  return {
    'content-security-policy': [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self'${authority}`,
      "frame-ancestors 'none'",
      "base-uri 'none'",
      `form-action 'self'${authority}`,
    ].join('; '),
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
}
