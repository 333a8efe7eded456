import { AzureKeyCredential, EventGridPublisherClient } from '@azure/eventgrid';
import type { TokenCredential } from '@azure/identity';
import { azureCredential } from './azure-credential.js';
import { type Env, type SettingsCatalogue, settingsReader } from './settings-reader.js';

/**
 * The product's own events (CloudEvents 1.0) go to its Event Grid custom topic through the
 * unmodified `EventGridPublisherClient`. In Azure the topic accepts Microsoft Entra ID publishers
 * only (infra/modules/eventgrid.bicep: `disableLocalAuth`), so the product's identity signs in
 * (role "EventGrid Data Sender", infra/modules/roles.bicep); the local topic stand-in takes a key.
 */
export const eventPublisherSettings: SettingsCatalogue = [
  {
    name: 'EventGrid__TopicEndpoint',
    description:
      "The custom topic's endpoint (`https://<topic>.<region>-1.eventgrid.azure.net/api/events`), where the product publishes CloudEvents such as `CredentialExpiring`; unset: no events are published.",
    deploy: 'bicep',
  },
  {
    name: 'EventGrid__TopicKey',
    description:
      "Local development only: the topic stand-in's access key (`aeg-sas-key`). In Azure the topic takes Entra ID publishers only and the product's identity is used.",
    deploy: 'optional',
    secret: true,
  },
];

export interface PublishedEvent {
  id: string;
  type: string;
  source: string;
  subject: string;
  time: Date;
  data: Record<string, unknown>;
}

/** The port capabilities publish through; the adapter below or an in-memory one in tests. */
export interface EventSink {
  publish(events: PublishedEvent[]): Promise<void>;
}

/** Event Grid accepts at most 1 MB per publish request; events are sent in batches well under it. */
const BATCH = 100;

export function eventGridSink(endpoint: string, credential: TokenCredential | { key: string }): EventSink {
  const client = new EventGridPublisherClient(
    endpoint,
    'CloudEvent',
    'key' in credential ? new AzureKeyCredential(credential.key) : credential,
    { retryOptions: { maxRetries: 2 } },
  );
  return {
    async publish(events) {
      for (let i = 0; i < events.length; i += BATCH) {
        await client.send(
          events.slice(i, i + BATCH).map((event) => ({ ...event, datacontenttype: 'application/json' })),
          { abortSignal: AbortSignal.timeout(30_000) },
        );
      }
    },
  };
}

/**
 * The product's topic from settings: `EventGrid__TopicEndpoint`, signed in as the product identity
 * (or with the stand-in's `EventGrid__TopicKey` locally); undefined when no topic is configured.
 */
export function eventSinkFrom(env: Env): EventSink | undefined {
  const settings = settingsReader(env, eventPublisherSettings);
  const endpoint = settings.string('EventGrid__TopicEndpoint');
  if (!endpoint) return undefined;
  const key = settings.string('EventGrid__TopicKey');
  return eventGridSink(endpoint, key ? { key } : azureCredential(env));
}

export function memoryEventSink(): EventSink & { events: PublishedEvent[]; fail: boolean } {
  const sink = {
    events: [] as PublishedEvent[],
    fail: false,
    async publish(events: PublishedEvent[]) {
      if (sink.fail) throw new Error('publish failed');
      sink.events.push(...events);
    },
  };
  return sink;
}
