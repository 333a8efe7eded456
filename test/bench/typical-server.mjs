/**
 * The "typical Node stack" the validation benchmark compares against: one HTTP server with
 * jsonwebtoken + jwks-rsa (its key cache on), in a process of its own like our host, run natively.
 * Reads BENCH_JWKS_URI, BENCH_AUDIENCE and BENCH_ISSUER; prints one JSON line ({ url }) when it
 * listens and stops on SIGTERM or when its stdin closes.
 */
import { createServer } from 'node:http';
import jwt from 'jsonwebtoken';
import { JwksClient } from 'jwks-rsa';

const client = new JwksClient({ jwksUri: process.env.BENCH_JWKS_URI ?? '', cache: true, rateLimit: false });
const server = createServer((req, res) => {
  const raw = (req.headers.authorization ?? '').replace(/^Bearer /, '');
  const kid = jwt.decode(raw, { complete: true })?.header.kid ?? '';
  client
    .getSigningKey(kid)
    .then((signing) => {
      const claims = jwt.verify(raw, signing.getPublicKey(), {
        algorithms: ['RS256', 'PS256'],
        audience: process.env.BENCH_AUDIENCE,
        issuer: process.env.BENCH_ISSUER,
      });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ active: true, claims }));
    })
    .catch(() => {
      res.writeHead(401).end();
    });
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}/` })}\n`);
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
