import { accessToken } from './auth.js';

/**
 * The data API client: `GET <dashboard>/data/<view>` with the signed-in user's bearer token in the
 * Authorization header (never in a URL). Failures become an ApiError the views show as a message.
 */
export type ApiFailure = 'unauthorized' | 'forbidden' | 'not_found' | 'bad_request' | 'unavailable';

export class ApiError extends Error {
  constructor(
    readonly failure: ApiFailure,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | null | undefined>;

/** The dashboard's own path (`/api/dashboard`), whatever the host's route prefix. */
export function dashboardPath(): string {
  return window.location.pathname.replace(/\/+$/, '');
}

export function dataUrl(view: string, params: Params = {}): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') continue;
    query.set(name, String(value));
  }
  const text = query.toString();
  return `${dashboardPath()}/data/${view}${text ? `?${text}` : ''}`;
}

async function problemDetail(response: Response): Promise<string | undefined> {
  try {
    const body = (await response.json()) as { detail?: unknown; title?: unknown };
    const text = typeof body.detail === 'string' ? body.detail : body.title;
    return typeof text === 'string' ? text : undefined;
  } catch {
    return undefined;
  }
}

async function failure(response: Response): Promise<ApiError> {
  const detail = await problemDetail(response);
  switch (response.status) {
    case 401:
      return new ApiError('unauthorized', 'Your sign-in has expired. Sign in again.', 401);
    case 403:
      return new ApiError('forbidden', 'Not allowed: your account lacks Credentials.Read.', 403);
    case 404:
      return new ApiError('not_found', detail ?? 'Not found.', 404);
    case 400:
      return new ApiError('bad_request', detail ?? 'The request was not accepted.', 400);
    default:
      return new ApiError(
        'unavailable',
        `The dashboard API answered ${response.status}${detail ? `: ${detail}` : ''}. Try again later.`,
        response.status,
      );
  }
}

export async function request(view: string, params: Params = {}): Promise<Response> {
  let token: string;
  try {
    token = await accessToken();
  } catch {
    throw new ApiError('unauthorized', 'Your sign-in has expired. Sign in again.');
  }
  let response: Response;
  try {
    response = await fetch(dataUrl(view, params), {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json, text/csv' },
      cache: 'no-store',
    });
  } catch {
    throw new ApiError(
      'unavailable',
      'The dashboard API is not reachable. Check the connection and try again.',
    );
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export async function getJson<T>(view: string, params: Params = {}): Promise<T> {
  const response = await request(view, params);
  try {
    return (await response.json()) as T;
  } catch {
    throw new ApiError('unavailable', 'The dashboard API sent an answer the page cannot read.');
  }
}

/** A CSV (or any file) fetched with the token and saved through a Blob URL: the token stays in a header. */
export async function download(view: string, params: Params, filename: string): Promise<Blob> {
  const response = await request(view, params);
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
  return blob;
}
