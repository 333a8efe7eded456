import { readFile } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { DashboardError } from './errors.js';

/**
 * The built page (`index.html`, `assets/<name>.<hash>.<ext>`) from one folder. Only plain file
 * names under `assets/` are served: no dot segments, no separators, no encoded tricks, so a path
 * can never leave the folder. Files are read once and kept (the folder is part of the deployment
 * and never changes while the process runs; bounded by its size).
 */
export interface Asset {
  body: Buffer;
  contentType: string;
  /** Content-hashed names may be cached for a year; index.html never (it names the current hashes). */
  immutable: boolean;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** `name.<8+ hex or base32 chars>.ext`, as esbuild's `[name].[hash]` writes them. */
const HASHED = /\.[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_CACHED = 256;

export class AssetFolder {
  readonly #root: string;
  readonly #cache = new Map<string, Promise<Asset>>();

  constructor(root: string) {
    this.#root = resolve(root);
  }

  get root(): string {
    return this.#root;
  }

  index(): Promise<Asset> {
    return this.#load('index.html', false);
  }

  /** `name` is what follows `assets/`; anything but a known file is a 404. */
  asset(name: string): Promise<Asset> {
    const type = CONTENT_TYPES[extname(name).toLowerCase()];
    if (!SAFE_NAME.test(name) || name.includes('..') || !type)
      return Promise.reject(new DashboardError('not_found', 'No such dashboard asset.'));
    return this.#load(join('assets', name), HASHED.test(name));
  }

  #load(relative: string, immutable: boolean): Promise<Asset> {
    const path = join(this.#root, relative);
    if (!path.startsWith(this.#root + sep))
      return Promise.reject(new DashboardError('not_found', 'No such dashboard asset.'));
    let loaded = this.#cache.get(relative);
    if (!loaded) {
      const contentType = CONTENT_TYPES[extname(relative).toLowerCase()] ?? 'application/octet-stream';
      loaded = readFile(path).then(
        (body) => ({ body, contentType, immutable }),
        (error: NodeJS.ErrnoException) => {
          this.#cache.delete(relative);
          if (error.code === 'ENOENT' || error.code === 'EISDIR' || error.code === 'ENOTDIR')
            throw new DashboardError(
              'not_found',
              relative === 'index.html'
                ? 'The dashboard page is not built (run npm run build).'
                : 'No such dashboard asset.',
            );
          throw error;
        },
      );
      if (this.#cache.size < MAX_CACHED) this.#cache.set(relative, loaded);
    }
    return loaded;
  }
}
