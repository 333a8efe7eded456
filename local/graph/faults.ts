/**
 * Test controls for the Graph stand-in's failure modes (loopback only; never part of the
 * product), mirroring the Entra stand-in's `setToken`:
 * - `throttle`: 429 TooManyRequests. Graph sends `Retry-After` on most throttled answers but not
 *   always ("Microsoft Graph throttling guidance"; identity and access limits: "Retry-After not
 *   always sent"), so a share of them can go without it;
 * - `unavailable`: 503 Service Unavailable (optionally with Retry-After);
 * - `hang`: no answer until the mode changes or the server stops.
 * A mode applies to every request (`rate` 1) or to a random share of them, and to all following
 * requests or only the next `count` faulted ones; then the stand-in is back to `ok`. Pure apart
 * from the random source, which tests can pass in.
 */
export type GraphFaultMode = 'ok' | 'throttle' | 'unavailable' | 'hang';

export interface GraphFaultOptions {
  /** Share of requests that get the fault, 0 < rate <= 1 (default 1: every request). */
  rate?: number;
  /** Only the next `count` faulted answers, then back to `ok` (default: until changed). */
  count?: number;
  /** Whole seconds >= 0 in `Retry-After`, or null for none (default 2). */
  retryAfterSeconds?: number | null;
  /** throttle: share of 429s sent without `Retry-After` (default 0). */
  withoutRetryAfter?: number;
  /** Only writes (POST/PATCH: addPassword, removePassword, ...) get the fault; reads pass (default false). */
  writesOnly?: boolean;
}

export type FaultDecision =
  | { kind: 'none' }
  | { kind: 'hang' }
  | { kind: 'throttle' | 'unavailable'; retryAfterSeconds?: number };

export const DEFAULT_GRAPH_RETRY_AFTER_SECONDS = 2;

export class FaultPlan {
  private mode: GraphFaultMode = 'ok';
  private options: Required<Omit<GraphFaultOptions, 'count'>> & { count: number } = FaultPlan.defaults();

  constructor(private readonly random: () => number = Math.random) {}

  private static defaults() {
    return {
      rate: 1,
      count: Number.POSITIVE_INFINITY,
      retryAfterSeconds: DEFAULT_GRAPH_RETRY_AFTER_SECONDS as number | null,
      withoutRetryAfter: 0,
      writesOnly: false,
    };
  }

  /** Throws on a bad option, so the HTTP control can answer 400. */
  set(mode: GraphFaultMode, options: GraphFaultOptions = {}): void {
    if (!['ok', 'throttle', 'unavailable', 'hang'].includes(mode))
      throw new Error('mode must be ok, throttle, unavailable or hang');
    const { rate = 1, count, retryAfterSeconds, withoutRetryAfter = 0, writesOnly = false } = options;
    if (typeof writesOnly !== 'boolean') throw new Error('writesOnly must be true or false');
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1))
      throw new Error('rate must be a number in (0, 1]');
    if (count !== undefined && !(Number.isInteger(count) && count >= 1))
      throw new Error('count must be a whole number, at least 1');
    if (retryAfterSeconds !== undefined && retryAfterSeconds !== null)
      if (!(Number.isInteger(retryAfterSeconds) && retryAfterSeconds >= 0))
        throw new Error('retryAfterSeconds must be a whole number of seconds (>= 0) or null');
    if (!(typeof withoutRetryAfter === 'number' && withoutRetryAfter >= 0 && withoutRetryAfter <= 1))
      throw new Error('withoutRetryAfter must be a number in [0, 1]');
    this.mode = mode;
    this.options = {
      rate,
      count: count ?? Number.POSITIVE_INFINITY,
      retryAfterSeconds:
        retryAfterSeconds === undefined ? DEFAULT_GRAPH_RETRY_AFTER_SECONDS : retryAfterSeconds,
      withoutRetryAfter,
      writesOnly,
    };
  }

  get current(): GraphFaultMode {
    return this.mode;
  }

  /** The fault (if any) for the next request; counts it against `count`. */
  next(write = false): FaultDecision {
    if (this.mode === 'ok') return { kind: 'none' };
    if (this.options.writesOnly && !write) return { kind: 'none' };
    if (this.options.rate < 1 && this.random() >= this.options.rate) return { kind: 'none' };
    const mode = this.mode;
    const { retryAfterSeconds, withoutRetryAfter } = this.options;
    this.options.count -= 1;
    if (this.options.count <= 0) this.set('ok');
    if (mode === 'hang') return { kind: 'hang' };
    const omit =
      retryAfterSeconds === null ||
      (mode === 'throttle' && withoutRetryAfter > 0 && this.random() < withoutRetryAfter);
    return omit ? { kind: mode } : { kind: mode, retryAfterSeconds };
  }
}
