import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadFunctions } from '../../local/host/load.js';
import { applyValues, readLocalSettings } from '../../local/host/settings.js';
import { BLOB_CONTAINERS, STORAGE_TABLES } from '../../shared/platform/resources.js';
import {
  parseBicep,
  propertiesNamed,
  readRepoFile,
  repoRoot,
  stringArrayVar,
  stringDeclarationsEndingWith,
} from './lib/bicep.js';

// Check 3 of issue 6: every Event Grid-triggered function has a subscription in the Bicep, and every
// table and container the code declares is created by it.

interface BicepFacts {
  functionTargets: Set<string>;
  tables: string[];
  containers: string[];
}

async function factsOf(source: string): Promise<BicepFacts> {
  const tree = await parseBicep(source);
  return {
    functionTargets: new Set(stringDeclarationsEndingWith(tree, 'FunctionName').values()),
    tables: stringArrayVar(tree, 'storageTables'),
    containers: stringArrayVar(tree, 'blobContainers'),
  };
}

function triggerProblems(eventGridFunctions: string[], facts: BicepFacts): string[] {
  return eventGridFunctions
    .filter((name) => !facts.functionTargets.has(name))
    .map(
      (name) => `Event Grid function ${name} has no subscription in infra/ (no *FunctionName = '${name}').`,
    );
}

function resourceProblems(facts: BicepFacts): string[] {
  return [
    ...STORAGE_TABLES.filter((t) => !facts.tables.includes(t)).map((t) => `Table ${t} is not created.`),
    ...BLOB_CONTAINERS.filter((c) => !facts.containers.includes(c)).map(
      (c) => `Container ${c} is not created.`,
    ),
  ];
}

describe('trigger and resource consistency', () => {
  let eventGridFunctions: string[] = [];
  let main: BicepFacts;

  beforeAll(async () => {
    // Function files read settings at import; give them the local defaults, as `npm start` does.
    const example = readLocalSettings(join(repoRoot, 'local.settings.example.json'));
    if (example) applyValues(example.Values);
    const definitions = await loadFunctions(join(repoRoot, 'functions'));
    eventGridFunctions = definitions.filter((d) => d.kind === 'eventGrid').map((d) => d.name);
    main = await factsOf(readRepoFile('infra/main.bicep'));
  });

  it('subscribes every Event Grid-triggered function', () => {
    expect(main.functionTargets.size).toBeGreaterThan(0);
    expect(triggerProblems(eventGridFunctions, main)).toEqual([]);
  });

  it('targets the subscriptions at the *FunctionName parameter, as AzureFunction endpoints', async () => {
    const source = readRepoFile('infra/modules/event-subscriptions.bicep');
    expect(source).toMatch(/resourceId: '\$\{site\.id\}\/functions\/\$\{auditFunctionName\}'/);
    const tree = await parseBicep(source);
    expect(propertiesNamed(tree, 'endpointType').map((p) => p.namedChildren[1]?.text)).toEqual([
      "'AzureFunction'",
      "'StorageBlob'",
    ]);
    for (const name of ['maxEventsPerBatch', 'retryPolicy', 'deadLetterWithResourceIdentity']) {
      expect(propertiesNamed(tree, name).length, name).toBeGreaterThan(0);
    }
    // main.bicep passes its auditFunctionName through.
    expect(readRepoFile('infra/main.bicep')).toMatch(/auditFunctionName: auditFunctionName/);
  });

  it('creates every table and container the code declares', () => {
    expect(resourceProblems(main)).toEqual([]);
    for (const table of STORAGE_TABLES) expect(table).toMatch(/^[A-Za-z][A-Za-z0-9]{2,62}$/);
    for (const container of BLOB_CONTAINERS)
      expect(container).toMatch(/^(?!.*--)[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/);
    const storage = readRepoFile('infra/modules/storage.bicep');
    expect(storage).toMatch(/tableServices\/tables@[^']+' = \[\s*for table in tables:/);
    expect(storage).toMatch(/blobServices\/containers@[^']+' = \[\s*for container in containers:/);
    expect(readRepoFile('infra/main.bicep')).toMatch(/tables: storageTables\s+containers: blobContainers/);
  });

  it('fails on a Bicep that misses a table, a container and a function (fixture)', async () => {
    const drift = await factsOf(
      readFileSync(new URL('./fixtures/resources-drift.bicep', import.meta.url), 'utf8'),
    );
    expect(resourceProblems(drift)).toEqual([
      'Table rotationjournal is not created.',
      'Container insights-logs-auditlogs is not created.',
    ]);
    expect(triggerProblems(['auditEvents'], drift)).toEqual([
      "Event Grid function auditEvents has no subscription in infra/ (no *FunctionName = 'auditEvents').",
    ]);
  });
});
