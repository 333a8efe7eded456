import { asString, type FileContext, instantiate, loadTrees, scenarios, type Value } from './bicep-eval.js';

/**
 * ARM validates the name of every resource in a template, including resources whose condition is
 * false, so a name that can evaluate to '' (or a child name with an empty parent segment, such as
 * '/auditexport-to-audit') fails the whole deployment with InvalidTemplate "incorrect segment
 * lengths" (Azure/bicep#9594, #10596). This check evaluates every resource and module name, through
 * module params and outputs, for every combination of the entry template's bool parameters, each
 * with every allowed value of its @allowed parameters (other parameters at their defaults).
 */
export function nameDefect(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.startsWith('/')) return 'starts with /';
  if (name.endsWith('/')) return 'ends with /';
  if (name.includes('//')) return 'has an empty segment';
  return undefined;
}

function describe(scenario: Record<string, Value>): string {
  return Object.entries(scenario)
    .map(([name, value]) => `${name}=${asString(value)}`)
    .join(', ');
}

function problemsIn(ctx: FileContext, scenario: Record<string, Value>, found: Map<string, string>): void {
  for (const decl of ctx.resources) {
    for (const name of ctx.fullResourceNames(decl)) {
      const defect = nameDefect(name);
      if (!defect) continue;
      const key = `${ctx.label}: resource ${decl.symbol} (${decl.type.split('@')[0]}) name '${name}' ${defect}`;
      if (!found.has(key)) found.set(key, describe(scenario));
    }
  }
  for (const [symbol, declared] of ctx.declarations) {
    if (declared.kind !== 'module') continue;
    for (const value of ctx.body(declared)) {
      const name = typeof value === 'object' && value !== null && 'name' in value ? value.name : undefined;
      if (name === undefined) continue;
      const defect = nameDefect(asString(name as Value));
      const key = `${ctx.label}: module ${symbol} deployment name '${asString(name as Value)}' ${defect}`;
      if (defect && !found.has(key)) found.set(key, describe(scenario));
    }
  }
}

/** Every name defect, as `<where>: <what> (first seen with <parameters>)`; empty when none. */
export async function resourceNameProblems(entry: string, root?: string): Promise<string[]> {
  const trees = await loadTrees(entry, root);
  const found = new Map<string, string>();
  for (const scenario of scenarios(instantiate(trees, entry))) {
    const main = instantiate(trees, entry, scenario);
    for (const ctx of [main, ...main.descendants()]) problemsIn(ctx, scenario, found);
  }
  return [...found].map(([problem, scenario]) => `${problem} (first seen with ${scenario})`);
}
