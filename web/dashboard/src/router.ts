/**
 * Hash routes: `#/overview`, `#/timeline`, `#/credentials?status=warning`, `#/apps/<appId>`,
 * `#/audit?pageSize=5`. The server serves one page; the hash picks the view.
 */
export interface Route {
  view: string;
  /** The path segment after the view (the app id of `#/apps/<appId>`). */
  arg: string;
  params: URLSearchParams;
}

export const DEFAULT_VIEW = 'overview';

export function isRouteHash(hash: string): boolean {
  return hash === '' || hash === '#' || hash.startsWith('#/');
}

export function parseHash(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split('?', 2);
  const [view = '', ...rest] = path.split('/');
  let arg = '';
  try {
    arg = decodeURIComponent(rest.join('/'));
  } catch {
    arg = '';
  }
  return { view: view || DEFAULT_VIEW, arg, params: new URLSearchParams(query) };
}

export function hashOf(
  view: string,
  params?: URLSearchParams | Record<string, string>,
  arg?: string,
): string {
  const query = new URLSearchParams(params);
  for (const [name, value] of [...query.entries()]) if (value === '') query.delete(name);
  const text = query.toString();
  return `#/${view}${arg ? `/${encodeURIComponent(arg)}` : ''}${text ? `?${text}` : ''}`;
}

/** Records a view's new filters in the address without re-rendering the view (no hashchange). */
export function replaceParams(view: string, params: URLSearchParams): void {
  history.replaceState(null, '', hashOf(view, params));
}

export const appHash = (appId: string) => hashOf('apps', undefined, appId);
