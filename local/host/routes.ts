/**
 * Functions route templates (ASP.NET Core routing syntax, as the Functions host uses it):
 * literal segments, `{name}`, `{name?}` (optional, trailing segments only), `{*rest}` (catch-all,
 * last), and the constraints `int`, `long`, `bool`, `guid`, `alpha`. Matching is case-insensitive,
 * and a more specific template wins over a more general one.
 */
export interface CompiledRoute {
  template: string;
  /** Lower sorts first: literal segments beat parameters, which beat optional and catch-all ones. */
  precedence: number[];
  /** The first segment when it is literal, lowercased: paths starting otherwise cannot match. */
  firstLiteral: string | undefined;
  match(path: string): Record<string, string> | null;
}

const constraintPatterns: Record<string, string> = {
  int: '-?\\d+',
  long: '-?\\d+',
  bool: '(?:true|false)',
  guid: '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
  alpha: '[A-Za-z]+',
};

const PARAM = /^\{(\*)?([A-Za-z_][A-Za-z0-9_]*)(?::([A-Za-z]+))?(\?)?\}$/;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class RouteTemplateError extends Error {}

export function compileRoute(template: string): CompiledRoute {
  const fail = (why: string): never => {
    throw new RouteTemplateError(`Invalid route "${template}": ${why}`);
  };
  if (template.startsWith('/') || template.endsWith('/')) fail('no leading or trailing "/"');
  if (/[?#\s]/.test(template.replace(/\{[^}]*\}/g, ''))) fail('"?", "#" and spaces are not allowed');
  const segments = template === '' ? [] : template.split('/');
  const names = new Set<string>();
  const precedence: number[] = [];
  let pattern = '';
  let sawOptional = false;
  segments.forEach((segment, index) => {
    if (segment === '') fail('empty segment');
    if (segment === '..' || segment === '.') fail('dot segments are not allowed');
    const param = PARAM.exec(segment);
    if (!param) {
      if (/[{}]/.test(segment))
        fail(`segment "${segment}" mixes text and parameters or has unbalanced braces`);
      if (sawOptional) fail('literal segment after an optional parameter');
      pattern += `/${escapeRegExp(segment)}`;
      precedence.push(1);
      return;
    }
    const [, catchAll, name = '', constraint, optional] = param;
    const key = name.toLowerCase();
    if (names.has(key)) fail(`parameter "${name}" appears twice`);
    names.add(key);
    if (constraint && !constraintPatterns[constraint.toLowerCase()])
      fail(`unknown constraint "${constraint}"`);
    const valuePattern = constraint ? constraintPatterns[constraint.toLowerCase()] : '[^/]+';
    const group = `(?<p${names.size}>${valuePattern})`;
    if (catchAll) {
      if (index !== segments.length - 1) fail('a catch-all parameter must be the last segment');
      pattern += `(?:/(?<p${names.size}>.*))?`;
      precedence.push(5);
    } else if (optional) {
      sawOptional = true;
      pattern += `(?:/${group})?`;
      precedence.push(4);
    } else {
      if (sawOptional) fail('required parameter after an optional one');
      pattern += `/${group}`;
      precedence.push(constraint ? 2 : 3);
    }
  });
  const paramNames = [...names];
  const originalNames = segments
    .map((segment) => PARAM.exec(segment)?.[2])
    .filter((name): name is string => name !== undefined);
  const regex = new RegExp(`^${pattern}/?$`, 'i');
  const first = segments[0];
  return {
    template,
    precedence,
    firstLiteral: first !== undefined && !PARAM.test(first) ? first.toLowerCase() : undefined,
    match(path) {
      const found = regex.exec(path === '' ? '' : `/${path.replace(/^\/+/, '')}`);
      if (!found) return null;
      const params: Record<string, string> = {};
      paramNames.forEach((_, i) => {
        const value = found.groups?.[`p${i + 1}`];
        if (value !== undefined && value !== '') params[originalNames[i] ?? ''] = safeDecode(value);
      });
      return params;
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export function compareRoutes(a: CompiledRoute, b: CompiledRoute): number {
  const length = Math.max(a.precedence.length, b.precedence.length);
  for (let i = 0; i < length; i++) {
    const diff = (a.precedence[i] ?? 0) - (b.precedence[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return b.precedence.length - a.precedence.length;
}
