import type { Logger } from '../platform/log.js';

/**
 * Cache hits of `POST /api/token`, logged as one line per caller, client and scope each interval
 * rather than one line per hit: gateways ask on every request they forward, so a line per hit is
 * most of a hit's cost and floods the log with lines that say nothing new. Misses, coalesced and
 * stale-served answers, refusals and failures keep their own line each (shared/tokens/endpoint.ts);
 * the acquisitions counter (metrics.ts) still counts every hit. Hits of a window that has not
 * closed when the process stops are not logged.
 */
export const HIT_SUMMARY_SECONDS = 60;

interface Entry {
  caller: string | undefined;
  client: string;
  scope: string;
  count: number;
  maxLatencyMs: number;
}

export class HitSummary {
  readonly #logger: Logger;
  readonly #intervalMs: number;
  // By caller, client, then scope (no key string built per hit). Bounded: a hit means a configured
  // client and one of its allowed scopes, asked by an admitted caller.
  readonly #entries = new Map<string | undefined, Map<string, Map<string, Entry>>>();
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(logger: Logger, intervalSeconds = HIT_SUMMARY_SECONDS) {
    this.#logger = logger;
    this.#intervalMs = intervalSeconds * 1000;
  }

  record(caller: string | undefined, client: string, scope: string, latencyMs: number): void {
    let byClient = this.#entries.get(caller);
    if (byClient === undefined) {
      byClient = new Map();
      this.#entries.set(caller, byClient);
    }
    let byScope = byClient.get(client);
    if (byScope === undefined) {
      byScope = new Map();
      byClient.set(client, byScope);
    }
    const entry = byScope.get(scope);
    if (entry) {
      entry.count++;
      if (latencyMs > entry.maxLatencyMs) entry.maxLatencyMs = latencyMs;
    } else byScope.set(scope, { caller, client, scope, count: 1, maxLatencyMs: latencyMs });
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.flush(), this.#intervalMs);
      // A pending summary never keeps the process alive.
      this.#timer.unref?.();
    }
  }

  /** Logs the window's counts ("Tokens served from cache") and starts a new window. */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const seconds = this.#intervalMs / 1000;
    const entries = [...this.#entries.values()].flatMap((byClient) =>
      [...byClient.values()].flatMap((byScope) => [...byScope.values()]),
    );
    for (const { caller, client, scope, count, maxLatencyMs } of entries) {
      this.#logger.info('Tokens served from cache', {
        ...(caller === undefined ? {} : { caller }),
        client,
        scope,
        cache: 'hit',
        count,
        maxLatencyMs,
        windowSeconds: seconds,
      });
    }
    this.#entries.clear();
  }
}
