/**
 * The shape every capability's runtime has: `create<X>Runtime(env, deps)` never throws and returns
 * either what the capability's handlers need (`ok: true`) or every problem with its settings
 * (`ok: false`); one memoised accessor per capability shares it across the function files. The
 * registry (registry.ts) builds it when the capability's first function registers, logs what is
 * wrong once, and answers for an unconfigured capability, so no function file repeats that guard.
 */
export type Runtime<T extends object> =
  | ({
      ok: true /** Problems that leave the capability working in part (logged at start). */;
      warnings?: string[];
    } & T)
  | { ok: false; problems: string[] };

export type ReadyRuntime<R> = Extract<R, { ok: true }>;

export interface Capability<R extends Runtime<object>> {
  /** Shown to callers and operators: "<name> is not configured correctly." */
  name: string;
  runtime: () => R;
}

/** A capability whose runtime is built once per process, on first use. */
export function capability<R extends Runtime<object>>(name: string, create: () => R): Capability<R> {
  let built: R | undefined;
  return {
    name,
    runtime: () => {
      built ??= create();
      return built;
    },
  };
}

/** What went wrong while building a runtime, as problems: a runtime never throws. */
export function problemsOf(error: unknown): { ok: false; problems: string[] } {
  const problems = (error as { problems?: unknown }).problems;
  if (Array.isArray(problems)) return { ok: false, problems: problems.map(String) };
  return { ok: false, problems: [error instanceof Error ? error.message : String(error)] };
}
