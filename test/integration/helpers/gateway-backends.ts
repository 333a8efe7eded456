import { createServer as createHttpServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type LocalStack, startStack } from '../../../local/stack.js';
import { ensureCa, issueServerCertificate } from '../../../local/tls/ca.js';
import type { PolicyInput } from '../../../shared/validation/policy.js';
import { type FakeIdp, makePolicy, newKey, type SigningPair, startFakeIdp } from '../../helpers/fake-idp.js';

/**
 * What a gateway interop test puts behind the gateway: the product on the local host, reached over
 * HTTPS with a certificate from the run's local CA (as App Service's front ends terminate TLS and
 * forward to the worker over HTTP), a fake Entra IdP, and an upstream that records every request
 * it receives, so a test can prove what reached the backend and that a denied request never did.
 */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface GatewayBackends {
  idp: FakeIdp;
  key: SigningPair;
  stack: LocalStack;
  functionKey: string;
  /** `https://127.0.0.1:<port>`: the validator as a gateway reaches it (TLS, SAN localhost/127.0.0.1). */
  validatorUrl: string;
  /** The PEM bundle to trust for `validatorUrl` (the run's local CA). */
  caFile: string;
  /** Requests that reached the validator's TLS front (and so carried the function key). */
  validatorRequests(): number;
  upstreamUrl: string;
  upstream: SeenRequest[];
  stop(): Promise<void>;
}

const listen = (server: Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

export async function startGatewayBackends(policy: Partial<PolicyInput> = {}): Promise<GatewayBackends> {
  const key = await newKey('k1');
  const idp = await startFakeIdp([key]);
  const { name: _name, ...defaultPolicy } = makePolicy(idp, policy);
  const stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', '..', 'functions'),
    port: 0,
    timers: false,
    log: () => undefined,
    settings: {
      IsEncrypted: false,
      Values: { Validation__Policies: JSON.stringify({ default: defaultPolicy }) },
    },
  });
  const host = new URL(stack.host.url);

  const tlsDir = process.env.LOCAL_TLS_DIR;
  if (!tlsDir) throw new Error('LOCAL_TLS_DIR is not set (test/global-setup.ts creates the run CA)');
  const ca = ensureCa(tlsDir);
  let validatorRequests = 0;
  const certificate = issueServerCertificate(ca);
  const front = createHttpsServer({ cert: certificate.certPem, key: certificate.keyPem }, (req, res) => {
    validatorRequests += 1;
    const forwarded = request(
      { host: host.hostname, port: host.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  const frontPort = await listen(front);

  const upstream: SeenRequest[] = [];
  const backend = createHttpServer((req, res) => {
    upstream.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, headers: req.headers }));
    });
  });
  const upstreamPort = await listen(backend);

  return {
    idp,
    key,
    stack,
    functionKey: stack.keys.host.default ?? '',
    validatorUrl: `https://127.0.0.1:${frontPort}`,
    caFile: ca.certFile,
    validatorRequests: () => validatorRequests,
    upstreamUrl: `http://127.0.0.1:${upstreamPort}`,
    upstream,
    async stop() {
      await Promise.all([close(front), close(backend)]);
      await stack.stop();
      await idp.close();
    },
  };
}
