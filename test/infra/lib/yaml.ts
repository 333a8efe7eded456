/**
 * Reads the block-mapping subset of YAML that azure.yaml uses: `key: value` and nested `key:` maps by
 * indentation, comments, plain or quoted scalars. Anything else (lists, anchors, flow collections)
 * is rejected, so the check never silently misreads the file.
 */
export type YamlMap = { [key: string]: string | YamlMap };

export function parseYamlMap(text: string): YamlMap {
  const root: YamlMap = {};
  const stack: { indent: number; map: YamlMap }[] = [{ indent: -1, map: root }];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/\s+#.*$/, '').replace(/^\s*#.*$/, '');
    if (line.trim() === '') return;
    const indent = line.length - line.trimStart().length;
    const match = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.trim());
    if (!match) throw new Error(`azure.yaml line ${index + 1}: unsupported YAML: ${raw.trim()}`);
    while ((stack.at(-1)?.indent ?? -1) >= indent) stack.pop();
    const parent = stack.at(-1);
    if (!parent) throw new Error(`azure.yaml line ${index + 1}: bad indentation`);
    const key = match[1] as string;
    const value = match[2];
    if (value === undefined || value === '') {
      const child: YamlMap = {};
      parent.map[key] = child;
      stack.push({ indent, map: child });
    } else {
      if (/^[[{&*!|>-]/.test(value))
        throw new Error(`azure.yaml line ${index + 1}: unsupported value ${value}`);
      parent.map[key] = value.replace(/^(['"])(.*)\1$/, '$2');
    }
  });
  return root;
}

export function yamlGet(map: YamlMap, ...path: string[]): string | YamlMap | undefined {
  let current: string | YamlMap | undefined = map;
  for (const key of path) {
    if (current === undefined || typeof current === 'string') return undefined;
    current = current[key];
  }
  return current;
}
