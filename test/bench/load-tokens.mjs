/**
 * autocannon with a different bearer token on every request, cycling through the tokens in the
 * file named by BENCH_LOAD's `tokensFile` (one per line). The CLI can only send one fixed header,
 * so this child runs autocannon's API and prints the same JSON result the CLI's --json prints.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

const options = JSON.parse(process.env.BENCH_LOAD ?? '{}');
const tokens = readFileSync(options.tokensFile, 'utf8').split('\n').filter(Boolean);
let next = 0;
const result = await autocannon({
  url: options.url,
  connections: options.connections,
  duration: options.duration,
  headers: options.headers ?? {},
  requests: [
    {
      setupRequest: (request) => {
        const token = tokens[next++ % tokens.length];
        return { ...request, headers: { ...request.headers, authorization: `Bearer ${token}` } };
      },
    },
  ],
});
process.stdout.write(`${JSON.stringify(result)}\n`);
