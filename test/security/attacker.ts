import { createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, importPKCS8 } from 'jose';
import { selfSigned } from '../../local/keyvault/certs.js';
import type { SigningPair } from '../helpers/fake-idp.js';

/**
 * The attacker's own key, with a real self-signed certificate, and a loopback server that hands
 * out its key set (`/jwks`) and certificate (`/cert.pem`, `/cert.der`). A verifier that followed
 * `jku`, `x5u` or a URL in `kid`, or trusted `x5c`, would find a key that checks the signature;
 * the server counts every request, so a test can also see that nothing was fetched.
 */
export interface Attacker {
  key: SigningPair;
  /** The certificate of `key`, base64 DER (an `x5c` entry). */
  certificate: string;
  base: string;
  jwksUrl: string;
  certUrl: string;
  /** Requests received, by path. */
  requests: string[];
  close(): Promise<void>;
}

export async function startAttacker(kid = 'attacker-kid'): Promise<Attacker> {
  const { keyPem, certPem } = selfSigned('CN=attacker.example', 12);
  const privateKey = await importPKCS8(keyPem, 'RS256', { extractable: true });
  const publicJwk = { ...(await exportJWK(createPublicKey(keyPem))), kid, use: 'sig', alg: 'RS256' };
  const certificate = certPem.replace(/-----[^-]+-----|\s/g, '');
  const requests: string[] = [];
  const server: Server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.startsWith('/jwks')) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [publicJwk] }));
    } else if (req.url === '/cert.pem') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(certPem);
    } else if (req.url === '/cert.der') {
      res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(Buffer.from(certificate, 'base64'));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    key: { kid, privateKey, publicJwk },
    certificate,
    base,
    jwksUrl: `${base}/jwks`,
    certUrl: `${base}/cert.pem`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
