/**
 * `npm run bench`: the public ways to read a `POST /api/token` body from the SDK's HttpRequest
 * (@azure/functions 4.16.5, built as the worker builds it from the host's bytes), each per call,
 * beside the cost of building the request alone, in one process and interleaved slices.
 * `bodyText` (shared/tokens/request.ts) reads `request.body` (the request's own ReadableStream);
 * text(), arrayBuffer() and json() each go through the SDK's async wrapper and undici's full-body
 * reader. Nothing time-based is asserted; each way is checked to read the same text.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { HttpRequest } from '../../shared/platform/sdk.js';
import { bodyText } from '../../shared/tokens/request.js';
import { flushFigures, recordFigure } from './results.js';

const SLICE = 1000;
const ROUNDS = Number(process.env.BENCH_BODY_ROUNDS ?? 30);

const body = Buffer.from(JSON.stringify({ scope: 'api://6d1b0d2c-1c7f-4d9a-9a55-3d7f0f0e8f11/.default' }));
const text = body.toString();
const headers = {
  'content-type': 'application/json',
  'content-length': String(body.length),
  host: 'localhost:7071',
};
const request = () =>
  new HttpRequest({
    method: 'POST',
    url: 'http://localhost:7071/api/token',
    headers,
    query: {},
    params: {},
    body: { bytes: body },
  });
const decoder = new TextDecoder();

const ways: Record<string, () => Promise<string>> = {
  'build only': async () => {
    request();
    return text;
  },
  'bodyText (request.body reader)': () => bodyText(request()),
  'text()': () => request().text(),
  'arrayBuffer() + TextDecoder': async () => decoder.decode(await request().arrayBuffer()),
  'json() (parsed)': async () => JSON.stringify(await request().json()),
  'blob().text()': async () => (await request().blob()).text(),
};

afterAll(() => flushFigures());

describe('token request body read', () => {
  it('each public read of the SDK request vs building the request alone, per call', async () => {
    for (const read of Object.values(ways)) expect(await read()).toBe(text);
    const samples: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, read] of Object.entries(ways)) {
        const started = performance.now();
        for (let i = 0; i < SLICE; i++) await read();
        samples[name]?.push(((performance.now() - started) * 1000) / SLICE);
      }
    }
    const median = (values: number[] = []) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    const build = median(samples['build only']);
    const read = (name: string) => median(samples[name]) - build;
    const lines = Object.keys(ways)
      .filter((name) => name !== 'build only')
      .map((name) => `  ${name.padEnd(32)} ${read(name).toFixed(2)} us to read`);
    console.log(
      [
        `POST /api/token body read from the SDK's HttpRequest (${ROUNDS} interleaved slices of ${SLICE} calls, medians; building the request: ${build.toFixed(2)} us):`,
        ...lines,
        `  ratio text() / bodyText: ${(read('text()') / read('bodyText (request.body reader)')).toFixed(2)}x`,
      ].join('\n'),
    );
    recordFigure({
      name: 'tokens 5: body read per request, bodyText (request.body reader) vs text()',
      value: read('bodyText (request.body reader)'),
      unit: 'us',
      baseline: { name: 'HttpRequest.text()', value: read('text()') },
      ratio: read('text()') / read('bodyText (request.body reader)'),
    });
  });
});
