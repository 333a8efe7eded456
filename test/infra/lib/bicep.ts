import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Language, type Node, Parser, type Tree } from 'web-tree-sitter';

/**
 * Offline Bicep reading with tree-sitter-bicep (its .wasm grammar, loaded by web-tree-sitter): syntax
 * problems, and the facts the consistency checks need (app setting names, string lists, function names).
 */

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
export const infraDir = join(repoRoot, 'infra');
const wasmPath = join(repoRoot, 'node_modules/tree-sitter-bicep/tree-sitter-bicep.wasm');

let parserPromise: Promise<Parser> | undefined;

export function bicepParser(): Promise<Parser> {
  parserPromise ??= (async () => {
    await Parser.init();
    const language = await Language.load(wasmPath);
    const parser = new Parser();
    parser.setLanguage(language);
    return parser;
  })();
  return parserPromise;
}

/**
 * tree-sitter-bicep 1.1.0 predates the `extension` keyword (Bicep 0.30 renamed `provider`/`import` of
 * extensions to it), so an `extension <alias>` line is read as the older `provider '<alias>'` form,
 * which the grammar knows. Only that exact statement shape is rewritten; the line count is kept.
 */
export function adaptForGrammar(source: string): string {
  return source.replace(
    /^(\s*)extension\s+([A-Za-z_][A-Za-z0-9_]*|'[^'\n]*')(?=\s*(?:\/\/.*)?$)/gm,
    (_match, indent: string, target: string) =>
      `${indent}provider ${target.startsWith("'") ? target : `'${target}'`}`,
  );
}

export async function parseBicep(source: string): Promise<Tree> {
  const parser = await bicepParser();
  const tree = parser.parse(adaptForGrammar(source));
  if (!tree) throw new Error('tree-sitter returned no tree');
  return tree;
}

export interface SyntaxProblem {
  kind: 'ERROR' | 'MISSING';
  line: number;
  column: number;
  text: string;
}

/** Every ERROR and MISSING node, with 1-based positions. */
export function syntaxProblems(tree: Tree): SyntaxProblem[] {
  const problems: SyntaxProblem[] = [];
  const visit = (node: Node): void => {
    if (node.isError || node.isMissing) {
      problems.push({
        kind: node.isMissing ? 'MISSING' : 'ERROR',
        line: node.startPosition.row + 1,
        column: node.startPosition.column + 1,
        text: node.isMissing ? node.type : node.text.slice(0, 60),
      });
    }
    if (!node.hasError && !node.isMissing) return;
    for (const child of node.children) if (child) visit(child);
  };
  visit(tree.rootNode);
  if (tree.rootNode.hasError && problems.length === 0) {
    problems.push({ kind: 'ERROR', line: 1, column: 1, text: 'tree has an error' });
  }
  return problems;
}

/** Every .bicep file under `dir`, recursively, as paths relative to the repository root. */
export function bicepFiles(dir: string = infraDir): string[] {
  const found: string[] = [];
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.bicep')) found.push(relative(repoRoot, path));
    }
  };
  walk(dir);
  return found.sort();
}

export function readRepoFile(path: string): string {
  return readFileSync(join(repoRoot, path), 'utf8');
}

/** The literal text of a string node without interpolation, or undefined when it interpolates. */
export function stringValue(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  const parts = node.namedChildren.filter((child): child is Node => child !== null);
  if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence'))
    return undefined;
  return parts.map((part) => part.text).join('');
}

function propertyKey(property: Node): string | undefined {
  const key = property.namedChildren[0];
  if (!key) return undefined;
  return key.type === 'string' ? stringValue(key) : key.text;
}

function propertyValue(property: Node): Node | undefined {
  return property.namedChildren[1] ?? undefined;
}

/** `var` and `param` declarations of a file: name to value expression (params: their default). */
export function declarations(tree: Tree): Map<string, { kind: 'var' | 'param'; value: Node | undefined }> {
  const result = new Map<string, { kind: 'var' | 'param'; value: Node | undefined }>();
  for (const node of tree.rootNode.namedChildren) {
    if (!node) continue;
    if (node.type === 'variable_declaration') {
      const [name, value] = node.namedChildren;
      if (name) result.set(name.text, { kind: 'var', value: value ?? undefined });
    } else if (node.type === 'parameter_declaration') {
      const name = node.namedChildren[0];
      const value = node.namedChildren.find((child, index) => index >= 2 && child !== null) ?? undefined;
      if (name) result.set(name.text, { kind: 'param', value });
    }
  }
  return result;
}

/**
 * Names an object-valued expression can contain: keys of object literals, through `union(...)`,
 * ternaries, parentheses and references to `var`s of the same file. References to params (operator
 * input such as additionalAppSettings) contribute no names.
 */
export function objectKeys(expression: Node, tree: Tree): string[] {
  const vars = declarations(tree);
  const keys: string[] = [];
  const seen = new Set<string>();
  const visit = (node: Node | null | undefined): void => {
    if (!node) return;
    switch (node.type) {
      case 'object':
        for (const property of node.namedChildren) {
          if (property?.type !== 'object_property') continue;
          const key = propertyKey(property);
          if (key !== undefined) keys.push(key);
        }
        return;
      case 'identifier': {
        const declared = vars.get(node.text);
        if (declared?.kind === 'var' && !seen.has(node.text)) {
          seen.add(node.text);
          visit(declared.value);
        }
        return;
      }
      case 'call_expression':
        for (const argument of node.childForFieldName('arguments')?.namedChildren ?? []) visit(argument);
        return;
      case 'ternary_expression':
        visit(node.childForFieldName('consequence'));
        visit(node.childForFieldName('alternative'));
        return;
      case 'parenthesized_expression':
        for (const child of node.namedChildren) visit(child);
        return;
      default:
        return;
    }
  };
  visit(expression);
  return keys;
}

/** Every object property named `name` anywhere in the file (for example a module's `appSettings`). */
export function propertiesNamed(tree: Tree, name: string): Node[] {
  return tree.rootNode
    .descendantsOfType('object_property')
    .filter((property): property is Node => property !== null && propertyKey(property) === name);
}

/** App setting names the Bicep sets: the keys of every `appSettings:` object expression. */
export function appSettingNames(tree: Tree): string[] {
  return propertiesNamed(tree, 'appSettings').flatMap((property) => {
    const value = propertyValue(property);
    return value ? objectKeys(value, tree) : [];
  });
}

/** The string elements of `var <name> = [ ... ]` (literal strings only). */
export function stringArrayVar(tree: Tree, name: string): string[] {
  const declared = declarations(tree).get(name);
  if (declared?.kind !== 'var' || declared.value?.type !== 'array') return [];
  return declared.value.namedChildren
    .filter((item): item is Node => item !== null)
    .map((item) => stringValue(item))
    .filter((item): item is string => item !== undefined);
}

/** Literal string defaults of params and values of vars whose names end with `suffix`. */
export function stringDeclarationsEndingWith(tree: Tree, suffix: string): Map<string, string> {
  const result = new Map<string, string>();
  for (const [name, declared] of declarations(tree)) {
    if (!name.endsWith(suffix) || !declared.value) continue;
    const value = stringValue(declared.value);
    if (value !== undefined) result.set(name, value);
  }
  return result;
}
