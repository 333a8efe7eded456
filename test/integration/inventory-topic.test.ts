import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningTopic, startTopic } from '../../local/eventgrid/topic.js';
import { ensureCa, issueServerCertificate } from '../../local/tls/ca.js';
import { eventGridSink } from '../../shared/platform/event-publisher.js';

/** The Event Grid topic stand-in against the unmodified EventGridPublisherClient (local/README.md). */
let topic: RunningTopic;
let webhook: { url: string; received: Array<{ headers: Headers; body: unknown }>; close: () => void };

beforeAll(async () => {
  topic = await startTopic({
    certificate: issueServerCertificate(ensureCa(process.env.LOCAL_TLS_DIR ?? '')),
  });
  const { createServer } = await import('node:http');
  const received: Array<{ headers: Headers; body: unknown }> = [];
  let answer = 500;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push({ headers: new Headers(req.headers as Record<string, string>), body: JSON.parse(body) });
      res.writeHead(answer);
      res.end();
      answer = 202; // the first delivery fails, the retry succeeds
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  webhook = { url: `http://127.0.0.1:${port}/hook`, received, close: () => server.close() };
  topic.setSubscriptionUrl(webhook.url);
});
afterAll(async () => {
  await topic?.close();
  webhook?.close();
});

describe('Event Grid topic stand-in', () => {
  it('accepts CloudEvents from the unmodified client and delivers each as a Notification, retrying a failure', async () => {
    await eventGridSink(topic.endpoint, { key: topic.key }).publish([
      {
        id: 'e1',
        type: 'CredentialExpiring',
        source: '/test',
        subject: 's',
        time: new Date(),
        data: { n: 1 },
      },
    ]);
    await topic.flush();
    expect(topic.published).toHaveLength(1);
    expect(topic.published[0]).toMatchObject({
      specversion: '1.0',
      id: 'e1',
      type: 'CredentialExpiring',
      data: { n: 1 },
    });
    expect(webhook.received).toHaveLength(2);
    expect(webhook.received[1]?.headers.get('aeg-event-type')).toBe('Notification');
    expect(webhook.received[1]?.body).toMatchObject({ id: 'e1' });
    expect(topic.deliveries).toEqual([{ id: 'e1', type: 'CredentialExpiring', status: 202 }]);
  });

  it('refuses a wrong key (401) and a body that is no CloudEvents batch (400)', async () => {
    const wrong = new EventGridPublisherClient(
      topic.endpoint,
      'CloudEvent',
      new AzureKeyCredential('wrong'),
      {
        retryOptions: { maxRetries: 0 },
      },
    );
    await expect(wrong.send([{ type: 't', source: '/s', data: {} }])).rejects.toMatchObject({
      statusCode: 401,
    });
    const bad = await fetch(`${topic.endpoint}?api-version=2018-01-01`, {
      method: 'POST',
      headers: { 'aeg-sas-key': topic.key, 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([{ id: 'x', type: 't' }]),
    });
    expect(bad.status).toBe(400);
    expect(topic.published).toHaveLength(1);
  });
});
