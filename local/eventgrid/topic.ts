import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { BodyTooLargeError, readBody } from '../http-body.js';
import type { ServerCertificate } from '../tls/ca.js';

/**
 * An Event Grid custom topic stand-in (CloudEvents 1.0 input schema), for the product's own
 * events: it accepts what the unmodified `EventGridPublisherClient` publishes and delivers each
 * event to one webhook subscription, as Event Grid does.
 * - "Publish events to Azure Event Grid custom topics": `POST /api/events?api-version=2018-01-01`,
 *   `content-type: application/cloudevents-batch+json`, the access key in `aeg-sas-key`
 *   (the Azure topic takes Entra ID publishers only; locally a key stands in), 200 with an empty
 *   body; a missing or wrong key 401; a batch over 1 MB 413; a bad body 400.
 * - "Receive events from Azure Event Grid to an HTTP endpoint": delivery is a POST with
 *   `aeg-event-type: Notification`, one event per request (no batching configured), retried on
 *   failure (at-least-once; here three tries, not Event Grid's 24 hours).
 */
export interface TopicDelivery {
  id: string;
  type: string;
  status: number | 'error';
}

export interface RunningTopic {
  /** The topic endpoint (`EventGrid__TopicEndpoint`). */
  endpoint: string;
  /** Its access key (`EventGrid__TopicKey`). */
  key: string;
  /** The latest events accepted, in order (tests; the last 1000). */
  published: Array<Record<string, unknown>>;
  /** How many events were accepted since start. */
  readonly acceptedCount: number;
  deliveries: TopicDelivery[];
  setSubscriptionUrl(url: string | undefined): void;
  /** Resolves when every accepted event got its webhook answer. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** "Azure Event Grid quotas and limits": an event batch is at most 1 MB. */
const MAX_BATCH_BYTES = 1024 * 1024;
const DELIVERY_TRIES = 3;
const MAX_KEPT = 1000;

function sameKey(given: string | undefined, key: string): boolean {
  const a = Buffer.from(given ?? '');
  const b = Buffer.from(key);
  return a.length === b.length && timingSafeEqual(a, b);
}

export async function startTopic(options: {
  certificate: ServerCertificate;
  subscriptionUrl?: string;
  port?: number;
  /** Kept across `npm start` restarts (local.settings.json); a new one by default. */
  key?: string;
}): Promise<RunningTopic> {
  const key = options.key || randomBytes(32).toString('base64');
  let subscriptionUrl = options.subscriptionUrl;
  const published: Array<Record<string, unknown>> = [];
  const deliveries: TopicDelivery[] = [];
  const pending = new Set<Promise<void>>();
  let accepted = 0;

  const keep = <T>(list: T[], item: T) => {
    list.push(item);
    if (list.length > MAX_KEPT) list.splice(0, list.length - MAX_KEPT);
  };

  function deliver(event: Record<string, unknown>): void {
    const url = subscriptionUrl;
    if (!url) return;
    const delivery = (async () => {
      let status: number | 'error' = 'error';
      for (let attempt = 0; attempt < DELIVERY_TRIES; attempt += 1) {
        try {
          const response = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/cloudevents+json; charset=utf-8',
              'aeg-event-type': 'Notification',
            },
            body: JSON.stringify(event),
            signal: AbortSignal.timeout(30_000), // Event Grid waits 30 s for a webhook
          });
          await response.arrayBuffer();
          status = response.status;
          if (response.ok) break;
        } catch {
          status = 'error';
        }
      }
      keep(deliveries, { id: String(event.id), type: String(event.type), status });
    })();
    pending.add(delivery);
    void delivery.finally(() => pending.delete(delivery));
  }

  const reply = (res: ServerResponse, status: number, error?: { code: string; message: string }) => {
    res.writeHead(status, error ? { 'content-type': 'application/json' } : {});
    res.end(error ? JSON.stringify({ error }) : '');
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    if (url.pathname !== '/api/events')
      return reply(res, 404, { code: 'NotFound', message: 'Use /api/events.' });
    if (req.method !== 'POST') return reply(res, 405, { code: 'MethodNotAllowed', message: 'Use POST.' });
    if (!sameKey(req.headers['aeg-sas-key']?.toString(), key))
      return reply(res, 401, {
        code: 'Unauthorized',
        message: 'The request authorization key is not authorized.',
      });
    if (!url.searchParams.get('api-version'))
      return reply(res, 400, { code: 'BadRequest', message: 'The api-version query parameter is required.' });
    let events: unknown;
    try {
      events = JSON.parse((await readBody(req, MAX_BATCH_BYTES)).toString('utf8'));
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return reply(res, 413, { code: 'RequestEntityTooLarge', message: 'The batch is larger than 1 MB.' });
      return reply(res, 400, { code: 'BadRequest', message: 'The body is not valid JSON.' });
    }
    const batch = Array.isArray(events) ? events : [events];
    const invalid = batch.find(
      (e) =>
        typeof e !== 'object' ||
        e === null ||
        (e as Record<string, unknown>).specversion !== '1.0' ||
        ['id', 'source', 'type'].some((k) => typeof (e as Record<string, unknown>)[k] !== 'string'),
    );
    if (batch.length === 0 || invalid !== undefined)
      return reply(res, 400, {
        code: 'BadRequest',
        message: 'Every event must be a CloudEvents 1.0 event with string id, source and type.',
      });
    for (const event of batch as Array<Record<string, unknown>>) {
      accepted += 1;
      keep(published, event);
      deliver(event);
    }
    reply(res, 200);
  }

  const server: Server = createServer(
    { cert: options.certificate.certPem, key: options.certificate.keyPem },
    (req, res) => {
      handle(req, res).catch(() => {
        if (!res.headersSent)
          reply(res, 500, { code: 'InternalServerError', message: 'The topic stand-in failed.' });
      });
    },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `https://127.0.0.1:${port}/api/events`,
    key,
    published,
    get acceptedCount() {
      return accepted;
    },
    deliveries,
    setSubscriptionUrl: (url) => {
      subscriptionUrl = url;
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
