import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TokenCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCa, issueServerCertificate } from '../../local/tls/ca.js';
import { createGraphClient, graphRetry } from '../../shared/platform/graph.js';

/**
 * The Graph client's chain with its last handler on node:https (graph-http.ts), against local
 * HTTPS servers with the local CA (trusted through NODE_EXTRA_CA_CERTS, test/global-setup.ts):
 * what the client's own handlers rely on still holds (token, JSON, bodies, retries, redirects
 * without the token to another host, Graph errors, the abort signal).
 */
function certificate() {
  const { certPem, keyPem } = issueServerCertificate(ensureCa(process.env.LOCAL_TLS_DIR ?? ''));
  return { cert: certPem, key: keyPem };
}

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

function server(handler: Handler): Promise<{ server: Server; base: string; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const s = createServer(certificate(), (req, res) => {
    seen.push(req);
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => handler(req, res, body));
  });
  return new Promise((resolve) =>
    s.listen(0, '127.0.0.1', () =>
      resolve({ server: s, base: `https://127.0.0.1:${(s.address() as AddressInfo).port}`, seen }),
    ),
  );
}

const credential: TokenCredential = {
  getToken: async () => ({ token: 'test-token', expiresOnTimestamp: Date.now() + 3600_000 }),
};

let main: Awaited<ReturnType<typeof server>>;
let other: Awaited<ReturnType<typeof server>>;
let throttled = 0;

beforeAll(async () => {
  other = await server((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ moved: true }));
  });
  main = await server((req, res, body) => {
    const json = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(value));
    };
    if (req.url === '/v1.0/apps') return json(200, { value: [{ id: 'a' }] });
    if (req.url === '/v1.0/echo') return json(201, { method: req.method, body: JSON.parse(body) });
    if (req.url === '/v1.0/empty') {
      res.writeHead(204);
      return res.end();
    }
    if (req.url === '/v1.0/throttled')
      return throttled++ === 0
        ? json(429, { error: { code: 'TooManyRequests' } }, { 'retry-after': '0' })
        : json(200, { after: throttled });
    if (req.url === '/v1.0/moved') {
      res.writeHead(302, { location: `${other.base}/elsewhere` });
      return res.end();
    }
    if (req.url === '/v1.0/missing')
      return json(404, { error: { code: 'Request_ResourceNotFound', message: 'gone' } });
    // /v1.0/hang: never answers.
  });
});

afterAll(() => {
  main.server.closeAllConnections();
  other.server.closeAllConnections();
  main.server.close();
  other.server.close();
});

const client = () =>
  createGraphClient({ baseUrl: main.base, audience: 'https://graph.microsoft.com', credential });

describe('the Graph client over node:http (graph-http.ts)', () => {
  it('reads JSON with the bearer token attached', async () => {
    expect(await client().api('/apps').get()).toEqual({ value: [{ id: 'a' }] });
    expect(main.seen.at(-1)?.headers.authorization).toBe('Bearer test-token');
  });

  it('sends a JSON body with its length, and answers a 204 with no body', async () => {
    expect(await client().api('/echo').post({ displayName: 'x' })).toEqual({
      method: 'POST',
      body: { displayName: 'x' },
    });
    expect(main.seen.at(-1)?.headers['content-length']).toBe(
      String(JSON.stringify({ displayName: 'x' }).length),
    );
    expect(await client().api('/empty').get()).toBeUndefined();
  });

  it('lets the retry handler wait Retry-After on a 429 and try again', async () => {
    const seen: number[] = [];
    const answer = await client()
      .api('/throttled')
      .middlewareOptions([graphRetry(0, 3, (status) => seen.push(status))])
      .get();
    expect(answer).toEqual({ after: 2 });
    expect(seen).toEqual([429]);
  });

  it('follows a redirect to another host without the token', async () => {
    expect(await client().api('/moved').get()).toEqual({ moved: true });
    expect(other.seen.at(-1)?.url).toBe('/elsewhere');
    expect(other.seen.at(-1)?.headers.authorization).toBeUndefined();
  });

  it('gives Graph errors their status and code, and a hung call ends at its signal', async () => {
    await expect(client().api('/missing').get()).rejects.toMatchObject({
      statusCode: 404,
      code: 'Request_ResourceNotFound',
    });
    await expect(
      client().api('/hang').option('signal', AbortSignal.timeout(200)).get(),
    ).rejects.toMatchObject({
      statusCode: -1,
    });
  });
});
