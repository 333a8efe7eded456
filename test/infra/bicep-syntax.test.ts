import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adaptForGrammar, bicepFiles, parseBicep, readRepoFile, syntaxProblems } from './lib/bicep.js';

// Check 1 of issue 6: every .bicep file parses with tree-sitter-bicep, no ERROR or MISSING node.
describe('Bicep syntax (tree-sitter-bicep)', () => {
  const files = bicepFiles();

  it('finds the main template and its modules', () => {
    expect(files).toContain('infra/main.bicep');
    expect(files.filter((file) => file.startsWith('infra/modules/')).length).toBeGreaterThanOrEqual(8);
  });

  it.each(files)('%s has no ERROR or MISSING node', async (file) => {
    const tree = await parseBicep(readRepoFile(file));
    expect(syntaxProblems(tree)).toEqual([]);
    expect(tree.rootNode.hasError).toBe(false);
  });

  it('rejects the deliberately broken fixture, with a position', async () => {
    const source = readFileSync(new URL('./fixtures/broken.bicep', import.meta.url), 'utf8');
    const problems = syntaxProblems(await parseBicep(source));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.every((problem) => problem.line >= 4 && problem.line <= 10)).toBe(true);
  });

  it('reports a MISSING node for an unterminated string', async () => {
    const problems = syntaxProblems(await parseBicep("var a = 'open\nvar b = 1\n"));
    expect(problems.length).toBeGreaterThan(0);
  });

  it('reads `extension <alias>` (newer than the grammar) but still rejects a malformed one', async () => {
    expect(adaptForGrammar('extension microsoftGraphV1\nparam a string\n')).toBe(
      "provider 'microsoftGraphV1'\nparam a string\n",
    );
    expect(syntaxProblems(await parseBicep('extension microsoftGraphV1\nparam a string\n'))).toEqual([]);
    expect(
      syntaxProblems(await parseBicep('extension microsoft Graph V1\nparam a string\n')).length,
    ).toBeGreaterThan(0);
  });
});
