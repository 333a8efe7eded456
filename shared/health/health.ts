import { redactText } from '../platform/redact.js';

/** One dependency the product is configured for, probed by `/api/health`. */
export interface DependencyCheck {
  name: string;
  probe(signal: AbortSignal): Promise<void>;
}

export interface CheckResult {
  name: string;
  status: 'healthy' | 'unhealthy';
  latencyMs: number;
  error?: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  version: string;
  checks: CheckResult[];
}

export interface HealthOptions {
  version: string;
  timeoutMs: number;
  now?: () => number;
}

/** fetch() reports every network failure as "fetch failed"; the reason is in `cause`. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const reason = cause?.code ?? cause?.message;
  return reason ? `${error.message} (${String(reason)})` : error.message;
}

async function runCheck(check: DependencyCheck, timeoutMs: number, now: () => number): Promise<CheckResult> {
  const started = now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([check.probe(controller.signal), timeout]);
    return { name: check.name, status: 'healthy', latencyMs: now() - started };
  } catch (error) {
    const message = describe(error);
    // Error texts from SDKs can carry URLs with signatures; keep one redacted line.
    const firstLine = redactText(message.split('\n')[0] ?? '').slice(0, 200);
    return { name: check.name, status: 'unhealthy', latencyMs: now() - started, error: firstLine };
  } finally {
    clearTimeout(timer);
  }
}

/** Probes every dependency in parallel; the report is unhealthy when any probe fails. */
export async function checkHealth(checks: DependencyCheck[], options: HealthOptions): Promise<HealthReport> {
  const now = options.now ?? (() => performance.now());
  const results = await Promise.all(checks.map((check) => runCheck(check, options.timeoutMs, now)));
  for (const result of results) result.latencyMs = Math.round(result.latencyMs);
  return {
    status: results.every((r) => r.status === 'healthy') ? 'healthy' : 'unhealthy',
    version: options.version,
    checks: results,
  };
}
