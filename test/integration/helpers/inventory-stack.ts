import { join } from 'node:path';
import type { RunningIdentity } from '../../../local/entra/identity.js';
import { type RunningTopic, startTopic } from '../../../local/eventgrid/topic.js';
import { type LocalStack, startStack } from '../../../local/stack.js';
import { ensureCa, issueServerCertificate } from '../../../local/tls/ca.js';

/**
 * The whole stack for the credential inventory: the functions on the local host, Azurite, the
 * identity stand-ins (Graph included) and the Event Grid topic stand-in, whose subscription
 * delivers to `auditEvents`. Runs are started the way an operator would (admin run) and awaited
 * through the host's log ("Inventory finished" with the run summary).
 */
export interface InventoryStack {
  stack: LocalStack;
  topic: RunningTopic;
  lines: string[];
  hostKey: string;
  run(): Promise<RunSummaryLine>;
  credentials(query?: string): Promise<Response>;
  stop(): Promise<void>;
}

export interface RunSummaryLine {
  apps: number;
  credentials: number;
  byStatus: Record<string, number>;
  failedApps: string[];
  deletedApps: string[];
  throttled: number;
  events: number;
  lastUseSource: string | null;
  errors: string[];
}

export async function startInventoryStack(
  id: RunningIdentity,
  values: Record<string, string>,
): Promise<InventoryStack> {
  const ca = ensureCa(process.env.LOCAL_TLS_DIR ?? '');
  const topic = await startTopic({ certificate: issueServerCertificate(ca) });
  const lines: string[] = [];
  const stack = await startStack({
    functionsDir: join(import.meta.dirname, '..', '..', '..', 'functions'),
    port: 0,
    identity: id,
    timers: false,
    log: (line) => lines.push(line),
    settings: {
      IsEncrypted: false,
      Values: {
        ...id.productSettings(),
        EventGrid__TopicEndpoint: topic.endpoint,
        EventGrid__TopicKey: topic.key,
        ...values,
      },
    },
  });
  topic.setSubscriptionUrl(stack.host.eventGridUrl('auditEvents'));
  const hostKey = stack.keys.host.default ?? stack.keys.master;
  const finished = () => lines.filter((line) => line.includes('Inventory finished'));
  const executed = () => lines.filter((line) => line.includes("Executed 'Functions.inventoryCredentials'"));
  return {
    stack,
    topic,
    lines,
    hostKey,
    async run() {
      const before = executed().length;
      const response = await fetch(`${stack.host.url}/admin/functions/inventoryCredentials`, {
        method: 'POST',
        headers: { 'x-functions-key': stack.keys.master, 'content-type': 'application/json' },
        body: '{"input":""}',
      });
      if (response.status !== 202) throw new Error(`admin run answered ${response.status}`);
      const deadline = Date.now() + 50_000;
      while (executed().length === before) {
        if (Date.now() > deadline) throw new Error(`no run finished:\n${lines.slice(-20).join('\n')}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await topic.flush();
      const line = finished().at(-1) ?? '';
      return JSON.parse(line.slice(line.indexOf('{'))) as RunSummaryLine;
    },
    credentials: (query = '') =>
      fetch(`${stack.host.url}/api/credentials${query ? `?${query}` : ''}`, {
        headers: { 'x-functions-key': hostKey },
      }),
    async stop() {
      await stack.stop();
      await topic.close();
    },
  };
}
