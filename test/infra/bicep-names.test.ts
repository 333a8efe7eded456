import { describe, expect, it } from 'vitest';
import { instantiate, loadTrees, Opaque } from './lib/bicep-eval.js';
import { nameDefect, resourceNameProblems } from './lib/resource-names.js';

// Issue 15, blocker 2: ARM validates names of resources whose condition is false, so no name may
// evaluate to '' or leave an empty segment in a parent/child name, for any parameter value.
describe('resource names (tree-sitter evaluation across modules)', () => {
  it('no resource or module name in infra/ can be empty or have an empty segment', async () => {
    expect(await resourceNameProblems('infra/main.bicep')).toEqual([]);
  });

  it('finds the audit-export shape: an output that is empty when a feature is off (fixture)', async () => {
    const problems = await resourceNameProblems('test/infra/fixtures/names/main.bicep');
    expect(problems).toEqual([
      "test/infra/fixtures/names/main.bicep: resource slashed (Microsoft.Storage/storageAccounts/blobServices) name '/default' starts with / (first seen with enableExport=true)",
      "test/infra/fixtures/names/main.bicep > subscriptions: resource topic (Microsoft.EventGrid/systemTopics) name '' is empty (first seen with enableExport=false)",
      "test/infra/fixtures/names/main.bicep > subscriptions: resource toAudit (Microsoft.EventGrid/systemTopics/eventSubscriptions) name '/auditexport-to-audit' starts with / (first seen with enableExport=false)",
    ]);
  });

  it('classifies names', () => {
    expect(nameDefect('')).toBe('is empty');
    expect(nameDefect('/a')).toBe('starts with /');
    expect(nameDefect('a/')).toBe('ends with /');
    expect(nameDefect('a//b')).toBe('has an empty segment');
    expect(nameDefect('a/‹guid(x)›')).toBeUndefined();
  });

  it('evaluates array literals, param defaults, outputs, loops and unknown values (fixture)', async () => {
    const path = 'test/infra/fixtures/names/eval.bicep';
    const trees = await loadTrees(path);
    const ctx = instantiate(trees, path);
    expect(ctx.value('list')).toEqual([[true, false]]);
    expect(ctx.value('picked')).toEqual(['yes']);
    expect(ctx.value('derived')).toEqual([false]);
    expect(instantiate(trees, path, { flag: false }).value('derived')).toEqual([true]);
    expect(ctx.output('flag')).toEqual(['an output may share a param name']);
    expect(ctx.value('flag')).toEqual([true]);
    expect(ctx.value('unknown')[0]).toBeInstanceOf(Opaque);
    expect(ctx.value('either')).toEqual(['empty', 'set']);
    const [loop] = ctx.resources;
    expect(ctx.resourceNames(loop!)).toEqual(['a0', 'b1']);
  });
});
