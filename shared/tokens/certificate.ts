import {
  CertificateError,
  type CertificateMaterial,
  type ParsedCertificate,
  parseCertificate as parseMaterial,
} from '../platform/certificate.js';
import { TokenError } from './errors.js';

export type {
  CertificateContentType,
  CertificateMaterial,
  ParsedCertificate,
} from '../platform/certificate.js';
export { normalisePem } from '../platform/certificate.js';

function invalid(label: string, reason: string): TokenError {
  return new TokenError('certificate_invalid', `Certificate ${label}: ${reason}`);
}

/** The platform's parser, its refusals as the token capability's `certificate_invalid`. */
export function parseCertificate(label: string, material: CertificateMaterial): ParsedCertificate {
  try {
    return parseMaterial(label, material);
  } catch (error) {
    if (error instanceof CertificateError)
      throw new TokenError('certificate_invalid', error.message, { cause: error });
    throw error;
  }
}

/** Refuses a certificate outside its validity window, naming it and its dates. */
export function assertValidAt(label: string, cert: { notBefore: Date; notAfter: Date }, now: Date): void {
  if (now < cert.notBefore) {
    throw invalid(
      label,
      `is not valid yet (valid from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
    );
  }
  if (now > cert.notAfter) {
    throw invalid(
      label,
      `has expired (valid from ${cert.notBefore.toISOString()} to ${cert.notAfter.toISOString()})`,
    );
  }
}
