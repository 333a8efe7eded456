import {
  asString,
  type FileContext,
  instantiate,
  loadTrees,
  type ModuleDecl,
  type ResourceDecl,
  type Value,
} from './bicep-eval.js';

/** infra/main.bicep evaluated for the given parameter values (others at their defaults). */
export async function mainTemplate(args: Record<string, Value> = {}): Promise<FileContext> {
  return instantiate(await loadTrees('infra/main.bicep'), 'infra/main.bicep', args);
}

export function moduleDecl(ctx: FileContext, symbol: string): ModuleDecl {
  const declared = ctx.declarations.get(symbol);
  if (declared?.kind !== 'module') throw new Error(`${ctx.path} declares no module ${symbol}`);
  return declared;
}

/** The context of module `symbol` of `ctx`, with the params `ctx` passes it. */
export function moduleOf(ctx: FileContext, symbol: string): FileContext {
  return ctx.module(moduleDecl(ctx, symbol));
}

export function resourcesOfType(ctx: FileContext, type: string): ResourceDecl[] {
  return ctx.resources.filter((decl) => decl.type.split('@')[0]?.toLowerCase() === type.toLowerCase());
}

/** The single candidate of a fully determined value, or an error naming the alternatives. */
export function only(values: Value[], what: string): Value {
  if (values.length !== 1) throw new Error(`${what} is not determined: ${values.map(asString).join(' | ')}`);
  return values[0] as Value;
}
