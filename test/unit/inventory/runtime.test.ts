import { describe, expect, it } from 'vitest';
import type { GraphDirectory } from '../../../shared/inventory/graph-directory.js';
import { createInventoryRuntime } from '../../../shared/inventory/runtime.js';
import { memoryCredentialStore } from '../../../shared/inventory/store.js';

const graph = {} as GraphDirectory;

describe('createInventoryRuntime', () => {
  it('collects every settings problem, naming settings, never values', () => {
    const runtime = createInventoryRuntime({
      Inventory__Concurrency: '0',
      Inventory__NoticeDays: '30,soon',
      Inventory__MaxRetries: '99',
      Graph__BaseUrl: 'http://graph.example',
    });
    expect(runtime.ok).toBe(false);
    if (runtime.ok) return;
    expect(runtime.problems).toEqual([
      'Inventory__Concurrency: must be an integer from 1 to 64',
      'Inventory__MaxRetries: must be an integer from 0 to 10',
      'Inventory__NoticeDays: must be a comma-separated list of whole days from 1 to 3650',
      'Graph__BaseUrl: must be an https:// URL',
      'Storage is not configured (AzureWebJobsStorage)',
    ]);
  });

  it('works without a topic (a warning says events are off)', () => {
    const runtime = createInventoryRuntime({}, { graph, store: memoryCredentialStore(), usage: null });
    expect(runtime.ok).toBe(true);
    if (!runtime.ok) return;
    expect(runtime.warnings).toEqual([
      'EventGrid__TopicEndpoint is not set: CredentialExpiring events are not published',
    ]);
  });
});
