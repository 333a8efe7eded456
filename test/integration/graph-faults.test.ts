import {
  type Client,
  type PageCollection,
  PageIterator,
  RetryHandlerOptions,
} from '@microsoft/microsoft-graph-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningIdentity, startIdentity } from '../../local/entra/identity.js';
import { seededRandom } from '../helpers/random.js';
import { errorOf, graphClient, graphFailure, graphToken, secretCredential } from './helpers/graph-client.js';

/**
 * The Graph stand-in's fault controls (429 with and without Retry-After, 503, hang), and the
 * unmodified Graph client's retry handler coping with them (local/README.md, "Test controls").
 */
let id: RunningIdentity;
let client: Client;
let token: string;
let appUrl: string;

beforeAll(async () => {
  id = await startIdentity({ random: seededRandom(11) });
  const partner = id.apps.partnerGateway;
  client = graphClient(id, secretCredential(id, partner.appId, partner.secret ?? ''));
  token = await graphToken(id, partner.appId, partner.secret ?? '');
  appUrl = `/applications/${id.apps.partnerApps[0]?.objectId}`;
  await client.api(appUrl).get(); // the client's own token is cached before any fault
});
afterEach(() => id.controls.setGraph('ok'));
afterAll(async () => {
  await id?.stop();
});

const raw = () => fetch(`${id.graphUrl}/v1.0${appUrl}`, { headers: { authorization: `Bearer ${token}` } });

describe('Graph stand-in faults and the Graph client retry handler', () => {
  it('429 with Retry-After for the next N calls: the client waits as told and succeeds', async () => {
    id.counters.reset();
    id.controls.setGraph('throttle', { count: 2, retryAfterSeconds: 1 });
    const started = Date.now();
    const app = await client.api(appUrl).select('appId').get();
    expect(app.appId).toBe(id.apps.partnerApps[0]?.appId);
    expect(id.counters.graphRequests({ status: 429 })).toBe(2);
    expect(id.counters.graphRequests({ status: 200 })).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1900); // two Retry-After: 1 waits
    // Back to normal after the N faulted answers.
    expect((await raw()).status).toBe(200);
  });

  it('429 without Retry-After: the answer has no header, and the client backs off on its own', async () => {
    id.controls.setGraph('throttle', { count: 1, retryAfterSeconds: null });
    const bare = await raw();
    expect(bare.status).toBe(429);
    expect(bare.headers.get('retry-after')).toBeNull();
    expect(await errorOf(bare)).toMatchObject({
      code: 'TooManyRequests',
      message: 'Too many requests.',
    });

    id.counters.reset();
    id.controls.setGraph('throttle', { count: 2, retryAfterSeconds: null });
    const app = await client
      .api(appUrl)
      .middlewareOptions([new RetryHandlerOptions(0, 3)])
      .get();
    expect(app.id).toBe(id.apps.partnerApps[0]?.objectId);
    expect(id.counters.graphRequests({ status: 429 })).toBe(2);
  });

  it('a 429 storm at a rate, some without Retry-After: paging still finds every app', async () => {
    const owner = id.apps.partnerGateway.servicePrincipalId;
    const expected = id.apps.partnerApps.map((app) => app.appId);
    for (let i = 0; i < 16; i += 1)
      expected.push(id.directory.addApplication({ displayName: `storm app ${i}`, owners: [owner] }).appId);
    id.counters.reset();
    id.controls.setGraph('throttle', { rate: 0.4, retryAfterSeconds: 0, withoutRetryAfter: 0.25 });
    const retry = [new RetryHandlerOptions(0, 10)];
    const first = (await client
      .api(`/servicePrincipals/${id.apps.partnerGateway.servicePrincipalId}/ownedObjects`)
      .top(1)
      .select('appId')
      .middlewareOptions(retry)
      .get()) as PageCollection;
    const appIds: string[] = [];
    await new PageIterator(
      client,
      first,
      (item: { appId: string }) => {
        appIds.push(item.appId);
        return true;
      },
      { middlewareOptions: retry },
    ).iterate();
    id.controls.setGraph('ok');
    expect(appIds.sort()).toEqual(expected.sort());
    expect(id.counters.graphRequests({ route: 'ownedObjects', status: 200 })).toBe(expected.length);
    expect(id.counters.graphRequests({ status: 429 })).toBeGreaterThan(0);
  });

  it('503 once is retried; a persistent 503 reaches the caller as serviceNotAvailable', async () => {
    id.counters.reset();
    id.controls.setGraph('unavailable', { count: 1, retryAfterSeconds: 0 });
    expect((await client.api(appUrl).get()).id).toBe(id.apps.partnerApps[0]?.objectId);
    expect(id.counters.graphRequests({ status: 503 })).toBe(1);

    id.controls.setGraph('unavailable', { retryAfterSeconds: 0 });
    const failure = await graphFailure(
      client
        .api(appUrl)
        .middlewareOptions([new RetryHandlerOptions(0, 1)])
        .get(),
    );
    expect(failure).toMatchObject({ statusCode: 503, code: 'serviceNotAvailable' });
    expect(id.counters.graphRequests({ status: 503 })).toBe(3);
  });

  it('hang: no answer until the caller gives up or the mode changes', async () => {
    id.controls.setGraph('hang');
    const started = Date.now();
    const timedOut = await graphFailure(client.api(appUrl).option('signal', AbortSignal.timeout(300)).get());
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The client reports a request that never got an answer as status -1 with the abort reason.
    expect(timedOut).toMatchObject({ statusCode: -1, code: 'TimeoutError' });

    const pending = raw().then(
      (response) => response.status,
      () => 'connection closed',
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    id.controls.setGraph('ok'); // releases the hanging request
    expect(await pending).toBe('connection closed');
    expect((await raw()).status).toBe(200);
  });

  it('takes the same controls over loopback HTTPS, and refuses bad ones with 400', async () => {
    const control = (body: unknown) =>
      fetch(`${id.graphUrl}/_test/faults`, { method: 'POST', body: JSON.stringify(body) });
    expect((await control({ mode: 'throttle', count: 1, retryAfterSeconds: 7 })).status).toBe(200);
    const throttled = await raw();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('7');
    expect((await raw()).status).toBe(200);
    for (const bad of [
      { mode: 'explode' },
      { mode: 'throttle', count: 0 },
      { mode: 'throttle', rate: 2 },
      { mode: 'throttle', retryAfterSeconds: -1 },
    ]) {
      const response = await control(bad);
      expect(response.status, JSON.stringify(bad)).toBe(400);
    }
    expect((await raw()).status).toBe(200);
  });
});
