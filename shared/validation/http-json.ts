import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';

/**
 * Fetches a small JSON document (OIDC discovery, JWKS) with a timeout and a size cap. An extra CA
 * can be trusted (the local identity stand-in's CA); redirects are not followed.
 */
export type FetchJson = (url: string) => Promise<unknown>;

export interface FetchJsonOptions {
  ca?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

export class FetchJsonError extends Error {
  override readonly name = 'FetchJsonError';
}

export function createFetchJson(options: FetchJsonOptions = {}): FetchJson {
  const timeoutMs = options.timeoutMs ?? 5000;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  return (url) =>
    new Promise((resolve, reject) => {
      const parsed = new URL(url);
      const get = parsed.protocol === 'https:' ? httpsGet : parsed.protocol === 'http:' ? httpGet : undefined;
      if (!get) {
        reject(new FetchJsonError(`unsupported scheme ${parsed.protocol}`));
        return;
      }
      const request = get(
        parsed,
        {
          timeout: timeoutMs,
          headers: { accept: 'application/json' },
          ...(options.ca ? { ca: options.ca } : {}),
        },
        (response) => {
          if (response.statusCode !== 200) {
            response.resume();
            reject(new FetchJsonError(`${parsed.host}${parsed.pathname} answered ${response.statusCode}`));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          response.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) {
              request.destroy(
                new FetchJsonError(`${parsed.host}${parsed.pathname} is larger than ${maxBytes} bytes`),
              );
              return;
            }
            chunks.push(chunk);
          });
          response.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch {
              reject(new FetchJsonError(`${parsed.host}${parsed.pathname} is not JSON`));
            }
          });
          response.on('error', reject);
        },
      );
      request.on('timeout', () => request.destroy(new FetchJsonError(`${parsed.host} timed out`)));
      request.on('error', reject);
    });
}
