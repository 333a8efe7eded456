import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCa } from '../local/tls/ca.js';

/**
 * Integration tests: one local CA for the whole run, created before the test workers (forks)
 * start, so every worker trusts the identity stand-ins' HTTPS through NODE_EXTRA_CA_CERTS (Node
 * reads it only at process start) and `startIdentity()` issues its server certificate from it.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'local-tls-'));
  const ca = ensureCa(dir);
  process.env.NODE_EXTRA_CA_CERTS = ca.certFile;
  process.env.LOCAL_TLS_DIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
