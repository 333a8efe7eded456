import { vi } from 'vitest';

/**
 * Everything the process writes while a suite runs: every console method (the product's
 * `consoleLogger` and any stray `console.*`) and direct writes to stdout and stderr. Lines are
 * kept, not printed, so a suite can assert no token or secret reached the output.
 */
export interface CapturedOutput {
  text(): string;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const lines: string[] = [];
  const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((level) =>
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : String(arg))).join(' '));
    }),
  );
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    spies.push(
      vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: unknown[]) => {
        lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString());
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write) as never,
    );
  }
  return {
    text: () => lines.join('\n'),
    restore: () => {
      for (const spy of spies) spy.mockRestore();
    },
  };
}

/** The parts of a token that must never appear in output: its payload and signature. */
export function secretParts(token: string): string[] {
  const [, payload = '', signature = ''] = token.split('.');
  return [payload, signature].filter((part) => part.length > 16);
}
