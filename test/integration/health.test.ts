import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeys } from '../../local/host/keys.js';
import { loadFunctions } from '../../local/host/load.js';
import { type RunningHost, startHost } from '../../local/host/server.js';
import { freePort } from '../helpers/ports.js';

let host: RunningHost;

beforeAll(async () => {
  const port = await freePort(); // nothing listens there: storage is unreachable
  process.env.AzureWebJobsStorage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;BlobEndpoint=http://127.0.0.1:${port}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`;
  process.env.Health__TimeoutMs = '500';
  const functions = await loadFunctions(join(import.meta.dirname, '..', '..', 'functions'));
  host = await startHost({ functions, keys: generateKeys(), port: 0, log: () => undefined });
});

afterAll(async () => {
  await host?.close();
});

describe('/api/health with storage down', () => {
  it('answers 503 naming the failing part, without secrets', async () => {
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    const text = await response.text();
    const report = JSON.parse(text);
    expect(report.status).toBe('unhealthy');
    expect(report.checks).toEqual([expect.objectContaining({ name: 'storage', status: 'unhealthy' })]);
    expect(text).not.toContain('a2V5');
    expect(text).not.toContain('AccountKey');
  });
});
