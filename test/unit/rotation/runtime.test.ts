import { describe, expect, it } from 'vitest';
import type { RotationGraph } from '../../../shared/rotation/graph-writer.js';
import { memoryAppLocks, memoryRotationJournal } from '../../../shared/rotation/journal.js';
import { createRotationRuntime } from '../../../shared/rotation/runtime.js';
import { memorySecretVault } from '../../../shared/rotation/vault.js';

const graph = {} as RotationGraph;

describe('createRotationRuntime', () => {
  it('collects every settings problem, naming settings, never values', () => {
    const runtime = createRotationRuntime({
      Rotation__RotateBeforeDays: '0',
      Rotation__SecretLifetimeDays: '5',
      Rotation__MinSecretLifetimeDays: '7',
      Rotation__Concurrency: 'many',
      Rotation__SecretNameTemplate: 'fixed-name',
      Rotation__KeyVaultUrl: 'http://vault.example',
      Rotation__Certificates: 'app-1',
    });
    expect(runtime.ok).toBe(false);
    if (runtime.ok) return;
    expect(runtime.problems).toEqual([
      'Rotation__RotateBeforeDays: must be an integer from 1 to 3650',
      'Rotation__Concurrency: must be an integer from 1 to 64',
      'Rotation__Certificates: each entry must be <appId>=<Key Vault certificate name>',
      'Rotation__MinSecretLifetimeDays: must not exceed Rotation__SecretLifetimeDays',
      'Rotation__SecretNameTemplate: must contain {appDisplayNameSlug} or {appId}',
      'Rotation__KeyVaultUrl: must be an https:// URL',
      'Storage is not configured (AzureWebJobsStorage)',
    ]);
  });

  it('needs the vault that receives new secrets', () => {
    const runtime = createRotationRuntime({}, { journal: memoryRotationJournal(), locks: memoryAppLocks() });
    expect(runtime).toEqual({
      ok: false,
      problems: ['Rotation__KeyVaultUrl: is required (the vault that receives new secrets)'],
    });
  });

  it('reads the defaults from the spec and works without a topic (a warning says so)', () => {
    const runtime = createRotationRuntime(
      {},
      { graph, vault: memorySecretVault(), journal: memoryRotationJournal(), locks: memoryAppLocks() },
    );
    expect(runtime.ok).toBe(true);
    if (!runtime.ok) return;
    expect(runtime.service.config).toEqual({
      policy: {
        managedPrefix: 'managed-by:gateway-plumbing',
        managedAppIds: [],
        rotateBeforeDays: 30,
        secretLifetimeDays: 180,
        minSecretLifetimeDays: 7,
        graceDays: 14,
      },
      secretNameTemplate: '{appDisplayNameSlug}-client-secret',
      verifyTimeoutMs: 120_000,
      concurrency: 16,
      certificates: [],
    });
    expect(runtime.warnings).toEqual([
      'EventGrid__TopicEndpoint is not set: rotation events are not published',
    ]);
  });
});
