import { randomUUID } from 'node:crypto';
import type { VaultEvent } from './store.js';

/**
 * Publishes Key Vault events as Event Grid would deliver them to a webhook ("Azure Key Vault as
 * Event Grid source": event types and data schema; "Event Grid event schema"): an array of events
 * with `aeg-event-type: Notification`.
 */
export interface EventGridEvent {
  id: string;
  topic: string;
  subject: string;
  eventType: string;
  eventTime: string;
  data: {
    Id: string;
    VaultName: string;
    ObjectType: string;
    ObjectName: string;
    Version: string;
    NBF: number | null;
    EXP: number | null;
  };
  dataVersion: string;
  metadataVersion: string;
}

export interface Delivery {
  event: EventGridEvent;
  status: number | 'error';
  detail?: string;
}

const MAX_DELIVERIES = 200;

export class EventPublisher {
  private url: string | undefined;
  private pending = new Set<Promise<void>>();
  /** The latest webhook answers, for tests; bounded (npm start runs for days). */
  readonly deliveries: Delivery[] = [];

  constructor(
    private readonly vaultUrl: string,
    private readonly vaultName: string,
    url?: string,
  ) {
    this.url = url;
  }

  setUrl(url: string | undefined): void {
    this.url = url;
  }

  toEventGrid(event: VaultEvent): EventGridEvent {
    const collection = event.objectType === 'Secret' ? 'secrets' : 'certificates';
    return {
      id: randomUUID(),
      topic: `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/local/providers/Microsoft.KeyVault/vaults/${this.vaultName}`,
      subject: event.name,
      eventType: `Microsoft.KeyVault.${event.type}`,
      eventTime: new Date().toISOString(),
      data: {
        Id: `${this.vaultUrl}${collection}/${event.name}/${event.version}`,
        VaultName: this.vaultName,
        ObjectType: event.objectType,
        ObjectName: event.name,
        Version: event.version,
        NBF: event.nbf ?? null,
        EXP: event.exp ?? null,
      },
      dataVersion: '1',
      metadataVersion: '1',
    };
  }

  private record(delivery: Delivery): void {
    this.deliveries.push(delivery);
    if (this.deliveries.length > MAX_DELIVERIES)
      this.deliveries.splice(0, this.deliveries.length - MAX_DELIVERIES);
  }

  publish(event: VaultEvent): void {
    const url = this.url;
    if (!url) return;
    const gridEvent = this.toEventGrid(event);
    const delivery = (async () => {
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification' },
          body: JSON.stringify([gridEvent]),
          signal: AbortSignal.timeout(30_000), // Event Grid waits 30 s for a webhook
        });
        await response.arrayBuffer();
        this.record({ event: gridEvent, status: response.status });
      } catch (error) {
        this.record({ event: gridEvent, status: 'error', detail: (error as Error).message });
      }
    })();
    this.pending.add(delivery);
    void delivery.finally(() => this.pending.delete(delivery));
  }

  /** Resolves when every event published so far got its webhook answer. */
  async flush(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }
}
