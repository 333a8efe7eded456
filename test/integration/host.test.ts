import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PortInUseError, startHost } from '../../local/host/server.js';
import { type LocalStack, startStack } from '../../local/stack.js';
import { seen } from './fixtures/host-app/recorder.js';

const logs: string[] = [];
let stack: LocalStack;
let base: string;
let hostKey: string;
let masterKey: string;

beforeAll(async () => {
  process.env.PRESET_VALUE = 'from-environment';
  stack = await startStack({
    functionsDir: join(import.meta.dirname, 'fixtures', 'host-app'),
    port: 0,
    log: (line) => logs.push(line),
    settings: {
      Values: {
        LOCAL_TEST_VALUE: 'from-local-settings',
        PRESET_VALUE: 'from-local-settings',
        Http__MaxRequestBodyBytes: '65536',
        FAST_TIMER_SCHEDULE: '*/1 * * * * *',
      },
    },
  });
  base = stack.host.url;
  hostKey = stack.keys.host.default ?? '';
  masterKey = stack.keys.master;
});

afterAll(async () => {
  await stack?.stop();
});

const withKey = (key: string) => ({ headers: { 'x-functions-key': key } });

async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('HTTP functions', () => {
  it('routes with parameters, passes query, headers, body, status, headers and cookies through', async () => {
    const response = await fetch(`${base}/api/echo/42?status=201&x=1`, {
      method: 'POST',
      headers: { 'x-functions-key': hostKey, 'x-custom': 'hello', 'content-type': 'text/plain' },
      body: 'payload',
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const bytes = (await response.clone().arrayBuffer()).byteLength;
    expect(Number(response.headers.get('content-length'))).toBe(bytes);
    expect(response.headers.get('set-cookie')).toMatch(/^session=abc; Path=\/; HttpOnly; SameSite=Strict/);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      method: 'POST',
      params: { id: '42' },
      query: { status: '201', x: '1' },
      header: 'hello',
      body: 'payload',
      functionName: 'echo',
    });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('serves optional parameters and catch-all routes, preferring the more specific route', async () => {
    const optional = (await (await fetch(`${base}/api/echo`, withKey(hostKey))).json()) as Record<
      string,
      unknown
    >;
    expect(optional.params).toEqual({});
    expect(await (await fetch(`${base}/api/files/a/b/c.txt`)).json()).toEqual({ rest: 'a/b/c.txt' });
    expect(await (await fetch(`${base}/api/files/special`)).json()).toEqual({ special: true });
  });

  it('answers 405 with Allow for a wrong method and 404 for unknown routes', async () => {
    const wrong = await fetch(`${base}/api/echo/1`, { method: 'DELETE', ...withKey(hostKey) });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, POST');
    expect((await fetch(`${base}/api/nothing-here`)).status).toBe(404);
    expect((await fetch(`${base}/not-the-prefix`)).status).toBe(404);
  });

  it("answers the host's own errors as RFC 9457 problem details with Content-Length", async () => {
    const response = await fetch(`${base}/api/nothing-here`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const text = await response.text();
    expect(Number(response.headers.get('content-length'))).toBe(Buffer.byteLength(text));
    expect(JSON.parse(text)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'No function matches this route.',
    });
  });

  it('enforces function and admin auth levels with header or code keys', async () => {
    expect((await fetch(`${base}/api/echo`)).status).toBe(401);
    expect((await fetch(`${base}/api/echo`, withKey('wrong'))).status).toBe(401);
    expect((await fetch(`${base}/api/echo?code=${encodeURIComponent(hostKey)}`)).status).toBe(200);
    expect((await fetch(`${base}/api/echo`, withKey(masterKey))).status).toBe(200);
    expect((await fetch(`${base}/api/secret-admin`, withKey(hostKey))).status).toBe(401);
    expect((await fetch(`${base}/api/secret-admin`, withKey(masterKey))).status).toBe(204);
  });

  it('turns a thrown error into problem+json with the invocation id, logging the stack but no secret', async () => {
    const response = await fetch(`${base}/api/boom`);
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const text = await response.text();
    const problem = JSON.parse(text);
    expect(problem).toMatchObject({ status: 500, code: 'internal' });
    expect(problem.invocationId).toMatch(/^[0-9a-f-]{36}$/);
    expect(text).not.toContain('kaboom');
    expect(text).not.toMatch(/\bat .*\.ts:\d+/);
    const logged = logs.join('\n');
    expect(logged).toContain('kaboom');
    expect(logged).toContain('boom.ts');
    expect(logged).not.toContain('hunter2-value');
  });

  it('refuses a body over the configured limit with 413', async () => {
    const response = await fetch(`${base}/api/boom`, { method: 'POST', body: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(((await response.json()) as Record<string, unknown>).status).toBe(413);
  });

  it('loads local.settings.json Values into the environment, where existing variables win', async () => {
    const body = (await (await fetch(`${base}/api/echo`, withKey(hostKey))).json()) as Record<
      string,
      unknown
    >;
    expect(body.fromSettings).toBe('from-local-settings');
    expect(body.preset).toBe('from-environment');
  });

  it('names the port and the setting when the port is taken', async () => {
    await expect(startHost({ functions: [], keys: stack.keys, port: stack.host.port })).rejects.toThrow(
      PortInUseError,
    );
    await expect(startHost({ functions: [], keys: stack.keys, port: stack.host.port })).rejects.toThrow(
      new RegExp(`Port ${stack.host.port} .*Host.LocalHttpPort`),
    );
  });
});

describe('timers', () => {
  it('fires on its NCRONTAB schedule, resolved from a %Setting%', async () => {
    // Awaited, with room for a loaded machine; each run may start late, never early.
    await vi.waitFor(() => expect(seen.scheduled.length).toBeGreaterThanOrEqual(3), {
      timeout: 20_000,
      interval: 50,
    });
    const [first, second, third] = seen.scheduled;
    expect(first?.isPastDue).toBe(false);
    // Every second, not faster: each run falls in a later whole second than the one before.
    const slot = (run: { at: number } | undefined) => Math.floor((run?.at ?? 0) / 1000);
    expect(slot(second)).toBeGreaterThan(slot(first));
    expect(slot(third)).toBeGreaterThan(slot(second));
  });

  it('runs a timer now through the admin endpoint (master key only) and answers 202', async () => {
    const before = seen.timers.length;
    const denied = await fetch(`${base}/admin/functions/tick`, {
      method: 'POST',
      body: '{"input":""}',
      ...withKey(hostKey),
    });
    expect(denied.status).toBe(401);
    const response = await fetch(`${base}/admin/functions/tick`, {
      method: 'POST',
      headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input: '' }),
    });
    expect(response.status).toBe(202);
    await eventually(() => seen.timers.length === before + 1);
    expect(seen.timers.at(-1)).toEqual({ isPastDue: false, functionName: 'tick' });
    const unknown = await fetch(`${base}/admin/functions/nope`, {
      method: 'POST',
      ...withKey(masterKey),
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });
});

describe('admin run of an Event Grid function', () => {
  it('delivers the event in "input" (202) and refuses input that is no event (400)', async () => {
    const before = seen.events.length;
    const run = (input: unknown) =>
      fetch(`${base}/admin/functions/onEvent`, {
        method: 'POST',
        headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
        body: JSON.stringify({ input }),
      });
    const event = {
      specversion: '1.0',
      id: 'admin-1',
      source: '/admin',
      type: 'Demo.Admin',
      subject: 'admin',
    };
    expect((await run(JSON.stringify(event))).status).toBe(202);
    await eventually(() => seen.events.length === before + 1);
    for (const bad of ['', 'null', '{not json', JSON.stringify({ id: 'x' })]) {
      expect((await run(bad)).status, bad).toBe(400);
    }
    expect(seen.events.length).toBe(before + 1);
  });

  it('answers 400, not 500, to input nested deeper than JSON.stringify can go', async () => {
    const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    const run = (body: string) =>
      fetch(`${base}/admin/functions/onEvent`, {
        method: 'POST',
        headers: { 'x-functions-key': masterKey, 'content-type': 'application/json' },
        body,
      });
    for (const depth of [2_000, 5_000, 20_000]) {
      for (const input of [deepArray(depth), deepObject(Math.floor(depth / 3))]) {
        const response = await run(`{"input":${input}}`);
        expect(response.status, `depth ${depth}`).toBe(400);
        expect(response.headers.get('content-type')).toBe('application/problem+json');
        // The same value as JSON text in a string is parsed, and refused the same way.
        expect((await run(JSON.stringify({ input }))).status, `text, depth ${depth}`).toBe(400);
      }
    }
    const logged = logs.join('\n');
    expect(logged).not.toContain('Maximum call stack size exceeded');
  });
});

describe('Event Grid webhook', () => {
  const gridEvent = (subject: string) => ({
    id: crypto.randomUUID(),
    eventType: 'Demo.Happened',
    subject,
    eventTime: new Date().toISOString(),
    dataVersion: '1',
    data: { n: 1 },
  });
  const post = (url: string, type: string | undefined, body: string) =>
    fetch(url, { method: 'POST', headers: type ? { 'aeg-event-type': type } : {}, body });

  it('answers the subscription validation handshake', async () => {
    const body = JSON.stringify([{ ...gridEvent('validate'), data: { validationCode: 'code-123' } }]);
    const response = await post(stack.host.eventGridUrl('onEvent'), 'SubscriptionValidation', body);
    expect(response.status).toBe(200);
    expect((await response.json()) as Record<string, unknown>).toEqual({ validationResponse: 'code-123' });
  });

  it('delivers arrays, single events and CloudEvents, answering 202', async () => {
    const before = seen.events.length;
    const url = stack.host.eventGridUrl('onEvent');
    expect((await post(url, 'Notification', JSON.stringify([gridEvent('a'), gridEvent('b')]))).status).toBe(
      202,
    );
    expect((await post(url, 'Notification', JSON.stringify(gridEvent('c')))).status).toBe(202);
    const cloud = {
      specversion: '1.0',
      id: 'ce-1',
      source: '/demo',
      type: 'Demo.Cloud',
      subject: 'd',
      data: {},
    };
    expect((await post(url, 'Notification', JSON.stringify([cloud]))).status).toBe(202);
    expect(seen.events.slice(before).map((e) => (e as { subject: string }).subject)).toEqual([
      'a',
      'b',
      'c',
      'd',
    ]);
  });

  it('refuses CloudEvents other than 1.0 and events with an empty id (400), delivering none of the batch', async () => {
    const before = seen.events.length;
    const url = stack.host.eventGridUrl('onEvent');
    const cloud = { specversion: '1.0', id: 'ce-v', source: '/demo', type: 'Demo.Cloud', subject: 'v' };
    for (const bad of [
      { ...cloud, specversion: '2.0' },
      { ...cloud, specversion: '0.1' },
      { ...cloud, id: '' },
      { ...gridEvent('empty-id'), id: '' },
    ]) {
      const response = await post(url, 'Notification', JSON.stringify([cloud, bad]));
      expect(response.status, JSON.stringify(bad)).toBe(400);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { detail: string }).detail).toMatch(/^Event 1\b/);
    }
    expect(seen.events.length).toBe(before);
  });

  it('answers 500 when any event of a batch fails, so the sender retries the batch', async () => {
    const url = stack.host.eventGridUrl('onEvent');
    const response = await post(url, 'Notification', JSON.stringify([gridEvent('ok'), gridEvent('fail')]));
    expect(response.status).toBe(500);
  });

  it('rejects a missing or unknown event type, malformed JSON, unknown functions and missing keys', async () => {
    const url = stack.host.eventGridUrl('onEvent');
    expect((await post(url, undefined, '[]')).status).toBe(400);
    expect((await post(url, 'Surprise', '[]')).status).toBe(400);
    expect((await post(url, 'Notification', '{oops')).status).toBe(400);
    expect((await post(stack.host.eventGridUrl('missing'), 'Notification', '[]')).status).toBe(404);
    const keyless = `${base}/runtime/webhooks/EventGrid?functionName=onEvent`;
    expect((await post(keyless, 'Notification', JSON.stringify([gridEvent('x')]))).status).toBe(401);
  });
});
