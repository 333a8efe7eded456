import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import { parseBicep, repoRoot } from './bicep.js';

/**
 * A small offline evaluator for the Bicep this repository writes: enough to compute resource names,
 * module parameters, conditions and property values for given parameter values, across module
 * boundaries (a module's params come from its caller, `mod.outputs.x` from the module's outputs).
 *
 * What cannot be known offline (resource ids, runtime properties, `uniqueString()`, `guid()`, required
 * parameters azd fills in) evaluates to an {@link Opaque} value, assumed to be a non-empty string.
 * A condition that depends on one yields both `true` and `false`, so every expression evaluates to a
 * list of possible values (candidates) rather than one.
 */

export class Opaque {
  constructor(readonly text: string) {}
}

export interface ResourceDecl {
  kind: 'resource';
  symbol: string;
  type: string;
  existing: boolean;
  /** The `if (...)` condition, when the declaration has one. */
  condition: Node | undefined;
  /** The body object (inside any `for` and `if`). */
  body: Node;
  /** `[for x in items: ...]`: the loop variable names and the items expression. */
  loop: { variables: string[]; items: Node } | undefined;
  /** The resource this one is declared inside (`resource child '...' = {...}` in a body). */
  lexicalParent: ResourceDecl | undefined;
}

export interface ModuleDecl {
  kind: 'module';
  symbol: string;
  path: string;
  condition: Node | undefined;
  body: Node;
}

type Declaration =
  | { kind: 'param'; type: string; default: Node | undefined; allowed: Node | undefined }
  | { kind: 'var'; value: Node }
  | ResourceDecl
  | ModuleDecl;

export class ResourceRef {
  constructor(
    readonly ctx: FileContext,
    readonly decl: ResourceDecl,
  ) {}
}

export class ModuleRef {
  constructor(
    readonly ctx: FileContext,
    readonly decl: ModuleDecl,
  ) {}
}

class ModuleOutputs {
  constructor(readonly module: ModuleRef) {}
}

/** Alternatives an operation returns when its result is not known (a condition on an opaque value). */
class Either {
  constructor(readonly values: Value[]) {}
}
const EITHER_BOOL = () => new Either([true, false]);

export type Value =
  | string
  | number
  | boolean
  | null
  | Opaque
  | ResourceRef
  | ModuleRef
  | ModuleOutputs
  | Value[]
  | { [key: string]: Value };

const MAX_CANDIDATES = 64;

export class FileContext {
  readonly declarations = new Map<string, Declaration>();
  /** Outputs have their own namespace (an output may share a param's name). */
  readonly outputs = new Map<string, Node>();
  /** Every resource declaration, nested ones included. */
  readonly resources: ResourceDecl[] = [];
  private readonly cache = new Map<string, Value[]>();
  private readonly children = new Map<string, FileContext>();

  constructor(
    /** Repository-relative path of the .bicep file. */
    readonly path: string,
    readonly tree: Tree,
    /** Parameter values supplied by the caller (a module's params, or a scenario for main.bicep). */
    readonly args: ReadonlyMap<string, Value[]>,
    /** Where this instance sits: `infra/main.bicep > eventSubscriptions`. */
    readonly label: string,
    private readonly trees: TreeLoader,
  ) {
    readDeclarations(this);
  }

  /** The value(s) of a `param` or `var` of this file. */
  value(name: string): Value[] {
    return this.identifier(name, new Map());
  }

  /** The value(s) of an `output` of this file. */
  output(name: string): Value[] | undefined {
    const node = this.outputs.get(name);
    return node ? this.cached(`output:${name}`, node) : undefined;
  }

  identifier(name: string, locals: ReadonlyMap<string, Value>): Value[] {
    if (locals.has(name)) return [locals.get(name) as Value];
    const declared = this.declarations.get(name);
    if (!declared) return [new Opaque(name)];
    switch (declared.kind) {
      case 'param': {
        const supplied = this.args.get(name);
        if (supplied) return supplied;
        if (declared.default) return this.cached(`param:${name}`, declared.default);
        return [new Opaque(`param ${name}`)];
      }
      case 'var':
        return this.cached(`var:${name}`, declared.value);
      case 'resource':
        return [new ResourceRef(this, declared)];
      case 'module':
        return [new ModuleRef(this, declared)];
    }
  }

  private cached(key: string, node: Node): Value[] {
    const hit = this.cache.get(key);
    if (hit) return hit;
    // A placeholder guards against (invalid) self-reference.
    this.cache.set(key, [new Opaque(key)]);
    const result = evaluate(node, this, new Map());
    this.cache.set(key, result);
    return result;
  }

  /** The context of a module this file declares, with the params its declaration passes. */
  module(decl: ModuleDecl): FileContext {
    const hit = this.children.get(decl.symbol);
    if (hit) return hit;
    const args = new Map<string, Value[]>();
    const params = property(decl.body, 'params');
    if (params?.type === 'object') {
      for (const prop of objectProperties(params)) args.set(prop.key, evaluate(prop.value, this, new Map()));
    }
    const path = posix.normalize(posix.join(posix.dirname(this.path), decl.path));
    const child = new FileContext(path, this.trees(path), args, `${this.label} > ${decl.symbol}`, this.trees);
    this.children.set(decl.symbol, child);
    return child;
  }

  /** Every module context below this one, depth first. */
  descendants(): FileContext[] {
    const result: FileContext[] = [];
    for (const declared of this.declarations.values()) {
      if (declared.kind !== 'module') continue;
      const child = this.module(declared);
      result.push(child, ...child.descendants());
    }
    return result;
  }

  /** The declaration's own name candidates (one per loop item, times alternatives). */
  resourceNames(decl: ResourceDecl): Value[] {
    const name = property(decl.body, 'name');
    if (!name) return [];
    return this.perLoopItem(decl, (locals) => evaluate(name, this, locals));
  }

  /** Full names: parent names (by `parent:` or nesting) joined to the own name with `/`. */
  fullResourceNames(decl: ResourceDecl): string[] {
    const own = this.resourceNames(decl).map(asString);
    const parent = this.parentOf(decl);
    if (!parent) return dedupe(own);
    const parents = this.fullResourceNames(parent);
    return dedupe(parents.flatMap((p) => own.map((o) => `${p}/${o}`))).slice(0, MAX_CANDIDATES * 4);
  }

  parentOf(decl: ResourceDecl): ResourceDecl | undefined {
    if (decl.lexicalParent) return decl.lexicalParent;
    const parent = property(decl.body, 'parent');
    if (parent?.type !== 'identifier') return undefined;
    const declared = this.declarations.get(parent.text);
    return declared?.kind === 'resource' ? declared : undefined;
  }

  /** The evaluated body object of a resource or module (per loop item, times alternatives). */
  body(decl: ResourceDecl | ModuleDecl): Value[] {
    if (decl.kind === 'module') return evaluate(decl.body, this, new Map());
    return this.perLoopItem(decl, (locals) => evaluate(decl.body, this, locals));
  }

  /** Candidate values of a declaration's `if` condition; `[true]` when it has none. */
  condition(decl: ResourceDecl | ModuleDecl): Value[] {
    return decl.condition ? evaluate(decl.condition, this, new Map()) : [true];
  }

  private perLoopItem(decl: ResourceDecl, fn: (locals: Map<string, Value>) => Value[]): Value[] {
    if (!decl.loop) return fn(new Map());
    const loop = decl.loop;
    const results: Value[] = [];
    for (const items of evaluate(loop.items, this, new Map())) {
      const list = Array.isArray(items) ? items : [new Opaque(`item of ${loop.items.text}`)];
      list.forEach((item, index) => {
        const locals = new Map<string, Value>();
        if (loop.variables[0]) locals.set(loop.variables[0], item);
        if (loop.variables[1]) locals.set(loop.variables[1], index);
        results.push(...fn(locals));
      });
    }
    return results;
  }
}

type TreeLoader = (path: string) => Tree;

/** Loads every .bicep file once (parsing is async; evaluation is not). */
export async function loadTrees(entry: string, root: string = repoRoot): Promise<TreeLoader> {
  const trees = new Map<string, Tree>();
  const pending = [posix.normalize(entry)];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (trees.has(path)) continue;
    const tree = await parseBicep(readFileSync(join(root, path), 'utf8'));
    trees.set(path, tree);
    for (const node of tree.rootNode.descendantsOfType('module_declaration')) {
      const target = node?.namedChildren.find((child) => child?.type === 'string');
      const relative = target ? stringLiteral(target) : undefined;
      if (relative?.startsWith('.')) pending.push(posix.normalize(posix.join(posix.dirname(path), relative)));
    }
  }
  return (path: string) => {
    const tree = trees.get(posix.normalize(path));
    if (!tree) throw new Error(`${path} was not loaded (module paths must be relative).`);
    return tree;
  };
}

/** The root context of a template for one set of parameter values. */
export function instantiate(
  trees: TreeLoader,
  path: string,
  args: Record<string, Value> = {},
  label: string = path,
): FileContext {
  const map = new Map<string, Value[]>(Object.entries(args).map(([name, value]) => [name, [value]]));
  return new FileContext(posix.normalize(path), trees(path), map, label, trees);
}

/**
 * The finite-domain parameters of a template (bools and `@allowed` lists) with every value they can
 * take; other parameters keep their defaults.
 */
export function finiteParameters(ctx: FileContext): Map<string, Value[]> {
  const domains = new Map<string, Value[]>();
  for (const [name, declared] of ctx.declarations) {
    if (declared.kind !== 'param') continue;
    if (declared.allowed) {
      const allowed = evaluate(declared.allowed, ctx, new Map())[0];
      if (Array.isArray(allowed)) domains.set(name, allowed);
    } else if (declared.type === 'bool') {
      domains.set(name, [true, false]);
    }
  }
  return domains;
}

/**
 * Parameter sets to evaluate a template with: every combination of its bool parameters, each with the
 * other finite-domain parameters at their defaults and then at each of their allowed values in turn
 * (a full product of every @allowed list grows too fast for what names depend on).
 */
export function scenarios(ctx: FileContext): Record<string, Value>[] {
  const domains = finiteParameters(ctx);
  const bools = new Map([...domains].filter(([, values]) => values.every((v) => typeof v === 'boolean')));
  const lists = [...domains].filter(([name]) => !bools.has(name));
  const variations: Record<string, Value>[] = [{}];
  for (const [name, values] of lists) for (const value of values) variations.push({ [name]: value });
  return combinations(bools).flatMap((combo) => variations.map((variation) => ({ ...combo, ...variation })));
}

/** Every combination of the given domains (the cartesian product). */
export function combinations(domains: ReadonlyMap<string, Value[]>): Record<string, Value>[] {
  let result: Record<string, Value>[] = [{}];
  for (const [name, values] of domains) {
    result = result.flatMap((partial) => values.map((value) => ({ ...partial, [name]: value })));
  }
  return result;
}

/** A value as ARM would interpolate it into a string; opaque parts show as `‹…›` (non-empty). */
export function asString(value: Value): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value === null) return '';
  if (value instanceof Opaque) return `‹${value.text}›`;
  if (value instanceof ResourceRef) return `‹${value.decl.symbol}›`;
  if (value instanceof ModuleRef) return `‹${value.decl.symbol}›`;
  return `‹${Array.isArray(value) ? 'array' : 'object'}›`;
}

/** Reads `path` (dotted) out of an evaluated object; undefined when a step is missing or opaque. */
export function dig(value: Value | undefined, path: string): Value | undefined {
  let current: Value | undefined = value;
  for (const key of path.split('.')) {
    if (!isObject(current)) return undefined;
    current = current[key];
  }
  return current;
}

export function isObject(value: Value | undefined): value is { [key: string]: Value } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Opaque) &&
    !(value instanceof ResourceRef) &&
    !(value instanceof ModuleRef) &&
    !(value instanceof ModuleOutputs)
  );
}

// ---------------------------------------------------------------------------------------------
// Declarations

function readDeclarations(ctx: FileContext): void {
  const children = ctx.tree.rootNode.namedChildren.filter((child): child is Node => child !== null);
  children.forEach((node, index) => {
    const previous = children[index - 1];
    const decorators = previous?.type === 'decorators' ? previous : undefined;
    const name = node.namedChildren[0]?.text;
    if (!name) return;
    switch (node.type) {
      case 'parameter_declaration': {
        const type = node.namedChildren[1]?.text ?? '';
        const value = node.namedChildren.find((child, i) => i >= 2 && child !== null) ?? undefined;
        ctx.declarations.set(name, { kind: 'param', type, default: value, allowed: allowedList(decorators) });
        return;
      }
      case 'variable_declaration': {
        const value = node.namedChildren.at(-1);
        if (value) ctx.declarations.set(name, { kind: 'var', value });
        return;
      }
      case 'output_declaration': {
        const value = node.namedChildren.at(-1);
        if (value) ctx.outputs.set(name, value);
        return;
      }
      case 'resource_declaration': {
        const decl = resourceDeclaration(node, undefined);
        if (decl) {
          ctx.declarations.set(name, decl);
          collectResources(ctx, decl);
        }
        return;
      }
      case 'module_declaration': {
        const target = node.namedChildren[1];
        const path = target ? stringLiteral(target) : undefined;
        const shape = declarationShape(node);
        if (path && shape) ctx.declarations.set(name, { kind: 'module', symbol: name, path, ...shape });
        return;
      }
      default:
        return;
    }
  });
}

function collectResources(ctx: FileContext, decl: ResourceDecl): void {
  ctx.resources.push(decl);
  for (const prop of decl.body.namedChildren) {
    const nested = prop?.type === 'object_property' ? prop.namedChildren[0] : undefined;
    if (nested?.type !== 'resource_declaration') continue;
    const child = resourceDeclaration(nested, decl);
    if (child) collectResources(ctx, child);
  }
}

function resourceDeclaration(node: Node, lexicalParent: ResourceDecl | undefined): ResourceDecl | undefined {
  const symbol = node.namedChildren[0]?.text;
  const typeNode = node.namedChildren[1];
  const type = typeNode ? stringLiteral(typeNode) : undefined;
  const shape = declarationShape(node);
  if (!symbol || type === undefined || !shape) return undefined;
  const existing = node.children.some((child) => child?.type === 'existing');
  return { kind: 'resource', symbol, type, existing, lexicalParent, ...shape };
}

function declarationShape(
  node: Node,
): { condition: Node | undefined; body: Node; loop: ResourceDecl['loop'] } | undefined {
  let value = node.namedChildren.at(-1) ?? undefined;
  let loop: ResourceDecl['loop'];
  let condition: Node | undefined;
  if (value?.type === 'for_statement') {
    const parameters = value.namedChildren.find((child) => child?.type === 'for_loop_parameters');
    const initializer = value.childForFieldName('initializer');
    const variables = parameters
      ? parameters.namedChildren.filter((child): child is Node => child !== null).map((child) => child.text)
      : initializer
        ? [initializer.text]
        : [];
    const named = value.namedChildren.filter((child): child is Node => child !== null);
    const items = named[parameters || initializer ? 1 : 0];
    if (items) loop = { variables, items };
    value = value.childForFieldName('body') ?? undefined;
  }
  if (value?.type === 'if_statement') {
    condition = value.namedChildren[0] ?? undefined;
    value = value.namedChildren[1] ?? undefined;
  }
  if (value?.type !== 'object') return undefined;
  return { condition, body: value, loop };
}

function allowedList(decorators: Node | undefined): Node | undefined {
  for (const decorator of decorators?.namedChildren ?? []) {
    const call = decorator?.namedChildren[0];
    if (call?.type !== 'call_expression' || call.childForFieldName('function')?.text !== 'allowed') continue;
    return call.childForFieldName('arguments')?.namedChildren[0] ?? undefined;
  }
  return undefined;
}

function stringLiteral(node: Node): string | undefined {
  if (node.type !== 'string') return undefined;
  const parts = node.namedChildren.filter((child): child is Node => child !== null);
  if (parts.some((part) => part.type !== 'string_content' && part.type !== 'escape_sequence'))
    return undefined;
  return parts
    .map((part) => (part.type === 'escape_sequence' ? unescapeSequence(part.text) : part.text))
    .join('');
}

function propertyKey(prop: Node): string | undefined {
  const key = prop.namedChildren[0];
  if (!key) return undefined;
  return key.type === 'string' ? stringLiteral(key) : key.text;
}

function objectProperties(object: Node): { key: string; value: Node }[] {
  const result: { key: string; value: Node }[] = [];
  for (const prop of object.namedChildren) {
    if (prop?.type !== 'object_property') continue;
    const key = propertyKey(prop);
    const value = prop.namedChildren[1];
    if (key !== undefined && value) result.push({ key, value });
  }
  return result;
}

/** The value node of `key:` in an object node. */
export function property(object: Node, key: string): Node | undefined {
  return objectProperties(object).find((prop) => prop.key === key)?.value;
}

// ---------------------------------------------------------------------------------------------
// Expressions

function evaluate(node: Node, ctx: FileContext, locals: ReadonlyMap<string, Value>): Value[] {
  const ev = (child: Node | null | undefined): Value[] =>
    child ? evaluate(child, ctx, locals) : [new Opaque('missing')];
  switch (node.type) {
    case 'string':
      return evaluateString(node, ev);
    case 'number':
      return [Number(node.text)];
    case 'boolean':
      return [node.text === 'true'];
    case 'null':
      return [null];
    case 'identifier':
      return ctx.identifier(node.text, locals);
    case 'parenthesized_expression':
      return ev(node.namedChildren[0]);
    case 'array':
      return product(
        node.namedChildren.filter((child): child is Node => child !== null).map((child) => ev(child)),
        (items) => items,
      );
    case 'object': {
      const props = objectProperties(node).filter((prop) => prop.value.type !== 'resource_declaration');
      return product(
        props.map((prop) => ev(prop.value)),
        (values) => Object.fromEntries(props.map((prop, i) => [prop.key, values[i] as Value])),
      );
    }
    case 'ternary_expression':
      return dedupeValues(
        ev(node.childForFieldName('condition')).flatMap((condition) => {
          if (condition === true) return ev(node.childForFieldName('consequence'));
          if (condition === false) return ev(node.childForFieldName('alternative'));
          return [...ev(node.childForFieldName('consequence')), ...ev(node.childForFieldName('alternative'))];
        }),
      );
    case 'unary_expression': {
      const operator = node.childForFieldName('operator')?.text;
      return dedupeValues(
        ev(node.childForFieldName('argument')).flatMap((value): Value[] => {
          if (operator === '!') return typeof value === 'boolean' ? [!value] : [true, false];
          if (operator === '-') return typeof value === 'number' ? [-value] : [new Opaque(node.text)];
          return [new Opaque(node.text)];
        }),
      );
    }
    case 'binary_expression':
      return binary(node, ev);
    case 'member_expression':
      return dedupeValues(
        ev(node.childForFieldName('object')).flatMap((object) =>
          member(object, node.childForFieldName('property')?.text ?? ''),
        ),
      );
    case 'subscript_expression':
      return product(
        [ev(node.childForFieldName('object')), ev(node.childForFieldName('index'))],
        ([o, i]) => {
          if (Array.isArray(o) && typeof i === 'number') return o[i] ?? new Opaque(node.text);
          if (isObject(o) && typeof i === 'string') return o[i] ?? new Opaque(node.text);
          return new Opaque(node.text);
        },
      );
    case 'call_expression':
      return call(node, ev);
    case 'for_statement':
      return forExpression(node, ctx, locals);
    default:
      return [new Opaque(node.text)];
  }
}

function evaluateString(node: Node, ev: (child: Node) => Value[]): Value[] {
  const parts = node.namedChildren.filter((child): child is Node => child !== null);
  return product(
    parts.map((part): Value[] => {
      if (part.type === 'string_content') return [part.text];
      if (part.type === 'escape_sequence') return [unescapeSequence(part.text)];
      const expression = part.namedChildren[0];
      return expression ? ev(expression) : [''];
    }),
    (values) => values.map(asString).join(''),
  );
}

function unescapeSequence(sequence: string): string {
  const map: Record<string, string> = {
    "\\'": "'",
    '\\\\': '\\',
    '\\n': '\n',
    '\\r': '\r',
    '\\t': '\t',
    '\\$': '$',
  };
  return map[sequence] ?? sequence;
}

function binary(node: Node, ev: (child: Node | null) => Value[]): Value[] {
  const operator = node.childForFieldName('operator')?.text ?? '';
  return product(
    [ev(node.childForFieldName('left')), ev(node.childForFieldName('right'))],
    ([left, right]) => {
      const l = left as Value;
      const r = right as Value;
      const known = (v: Value) =>
        typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v === null;
      switch (operator) {
        case '==':
        case '!=':
        case '=~':
        case '!~': {
          if (!known(l) || !known(r)) return EITHER_BOOL();
          const fold = (v: Value) => (operator.includes('~') && typeof v === 'string' ? v.toLowerCase() : v);
          const equal = fold(l) === fold(r);
          return operator.startsWith('!') ? !equal : equal;
        }
        case '&&':
          if (l === false || r === false) return false;
          return l === true && r === true ? true : EITHER_BOOL();
        case '||':
          if (l === true || r === true) return true;
          return l === false && r === false ? false : EITHER_BOOL();
        case '??':
          return l === null ? r : l;
        case '<':
        case '<=':
        case '>':
        case '>=':
          if (typeof l !== 'number' || typeof r !== 'number') return EITHER_BOOL();
          return operator === '<' ? l < r : operator === '<=' ? l <= r : operator === '>' ? l > r : l >= r;
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
          if (typeof l !== 'number' || typeof r !== 'number') return new Opaque(node.text);
          return operator === '+'
            ? l + r
            : operator === '-'
              ? l - r
              : operator === '*'
                ? l * r
                : operator === '/'
                  ? Math.trunc(l / r)
                  : l % r;
        default:
          return new Opaque(node.text);
      }
    },
  );
}

function member(object: Value, name: string): Value[] {
  if (object instanceof ModuleRef) {
    if (name === 'outputs') return [new ModuleOutputs(object)];
    if (name === 'name') return evaluate(property(object.decl.body, 'name') as Node, object.ctx, new Map());
    return [new Opaque(`${object.decl.symbol}.${name}`)];
  }
  if (object instanceof ModuleOutputs) {
    const child = object.module.ctx.module(object.module.decl);
    return child.output(name) ?? [new Opaque(`${object.module.decl.symbol}.outputs.${name}`)];
  }
  if (object instanceof ResourceRef) {
    if (name === 'name') return object.ctx.resourceNames(object.decl);
    return [new Opaque(`${object.ctx.path}#${object.decl.symbol}.${name}`)];
  }
  if (object instanceof Opaque) return [new Opaque(`${object.text}.${name}`)];
  if (isObject(object)) return [object[name] ?? new Opaque(`.${name}`)];
  return [new Opaque(`.${name}`)];
}

function call(node: Node, ev: (child: Node) => Value[]): Value[] {
  const name = node.childForFieldName('function')?.text ?? '';
  const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter(
    (child): child is Node => child !== null,
  );
  return product(
    args.map((arg) => ev(arg)),
    (values): Value | Either => {
      const [first, second] = values;
      const opaque = () => new Opaque(`${name}(${values.map(asString).join(', ')})`);
      switch (name) {
        case 'empty':
          if (typeof first === 'string') return first === '';
          if (Array.isArray(first)) return first.length === 0;
          if (first === null) return true;
          if (isObject(first)) return Object.keys(first).length === 0;
          return EITHER_BOOL();
        case 'toLower':
          return typeof first === 'string' ? first.toLowerCase() : opaque();
        case 'toUpper':
          return typeof first === 'string' ? first.toUpperCase() : opaque();
        case 'string':
          return first === undefined ? opaque() : asString(first);
        case 'concat':
          return values.every((v) => typeof v === 'string') ? values.join('') : opaque();
        case 'take':
          return typeof first === 'string' && !first.includes('‹') && typeof second === 'number'
            ? first.slice(0, second)
            : opaque();
        case 'union':
          return values.every(isObject) ? Object.assign({}, ...values) : opaque();
        case 'contains':
          if (Array.isArray(first) && typeof second === 'string') return first.includes(second);
          if (isObject(first) && typeof second === 'string') return second in first;
          return EITHER_BOOL();
        default:
          return opaque();
      }
    },
  );
}

function forExpression(node: Node, ctx: FileContext, locals: ReadonlyMap<string, Value>): Value[] {
  const parameters = node.namedChildren.find((child) => child?.type === 'for_loop_parameters');
  const initializer = node.childForFieldName('initializer');
  const variables = parameters
    ? parameters.namedChildren.filter((child): child is Node => child !== null).map((child) => child.text)
    : initializer
      ? [initializer.text]
      : [];
  const named = node.namedChildren.filter((child): child is Node => child !== null);
  const items = named[parameters || initializer ? 1 : 0];
  const body = node.childForFieldName('body');
  if (!items || !body) return [new Opaque(node.text)];
  return evaluate(items, ctx, locals).map((list) => {
    if (!Array.isArray(list)) return new Opaque(node.text);
    return list.map((item, index) => {
      const inner = new Map(locals);
      if (variables[0]) inner.set(variables[0], item);
      if (variables[1]) inner.set(variables[1], index);
      return evaluate(body, ctx, inner)[0] ?? new Opaque(node.text);
    });
  });
}

/** Cartesian product of candidate lists, mapped; capped so alternatives cannot explode. */
function product(lists: Value[][], fn: (values: Value[]) => Value | Either): Value[] {
  let combos: Value[][] = [[]];
  for (const list of lists) {
    combos = combos.flatMap((combo) => list.map((value) => [...combo, value])).slice(0, MAX_CANDIDATES);
  }
  const results: Value[] = [];
  for (const combo of combos) {
    const mapped = fn(combo);
    if (mapped instanceof Either) results.push(...mapped.values);
    else results.push(mapped);
  }
  return dedupeValues(results);
}

function dedupeValues(values: Value[]): Value[] {
  const seen = new Set<string>();
  const result: Value[] = [];
  for (const value of values) {
    const key = fingerprint(value);
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(value);
  }
  return result.slice(0, MAX_CANDIDATES);
}

function fingerprint(value: Value): string {
  if (value instanceof Opaque) return `opaque:${value.text}`;
  if (value instanceof ResourceRef) return `resource:${value.ctx.label}#${value.decl.symbol}`;
  if (value instanceof ModuleRef) return `module:${value.ctx.label}#${value.decl.symbol}`;
  if (value instanceof ModuleOutputs) return `outputs:${value.module.ctx.label}#${value.module.decl.symbol}`;
  if (Array.isArray(value)) return `[${value.map(fingerprint).join(',')}]`;
  if (isObject(value))
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}:${fingerprint(v)}`)
      .join(',')}}`;
  return `${typeof value}:${String(value)}`;
}

function dedupe(values: string[]): string[] {
  return [...new Set(values)];
}
