import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureCa, issueServerCertificate } from '../../../local/tls/ca.js';

const dir = mkdtempSync(join(tmpdir(), 'local-ca-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fetchText(port: number, ca: string | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', ...(ca ? { ca } : {}) }, (res) => {
      let text = '';
      res.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      res.on('end', () => resolve(text));
    }).on('error', reject);
  });
}

describe('local CA', () => {
  it('creates the CA once and reuses it', () => {
    const first = ensureCa(dir);
    const second = ensureCa(dir);
    expect(second.certPem).toBe(first.certPem);
    expect(second.keyPem).toBe(first.keyPem);
  });

  it('issues a loopback server certificate that verifies against the CA only', async () => {
    const ca = ensureCa(dir);
    const leaf = issueServerCertificate(ca);
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      expect(await fetchText(port, ca.certPem)).toBe('ok');
      // Without the CA, verification fails: nothing turns it off.
      const otherCa = ensureCa(mkdtempSync(join(tmpdir(), 'other-ca-')));
      await expect(fetchText(port, otherCa.certPem)).rejects.toThrow();
    } finally {
      server.close();
    }
  });
});
