/**
 * The stand-ins' crash switch (a test control, never part of the product): after a chosen call
 * has been carried out, the stand-in drops the connection instead of answering, so the caller
 * cannot tell whether the call happened. That is what a product sees when its host dies in the
 * middle of a step (the Functions host is recycled, the instance is scaled in), and what a
 * crash-safe rotation must recover from.
 */
export class CrashSwitch<Operation extends string> {
  private readonly armed = new Map<Operation, number>();

  constructor(private readonly operations: readonly Operation[]) {}

  /** Drops the connection after the next `count` calls of `operation` (default 1). */
  arm(operation: Operation, count = 1): void {
    if (!this.operations.includes(operation))
      throw new Error(`operation must be one of ${this.operations.join(', ')}`);
    if (!(Number.isInteger(count) && count >= 1)) throw new Error('count must be a whole number, at least 1');
    this.armed.set(operation, count);
  }

  /** True when this call of `operation` is to end with a dropped connection (counts it). */
  fires(operation: string): boolean {
    const left = this.armed.get(operation as Operation);
    if (left === undefined) return false;
    if (left <= 1) this.armed.delete(operation as Operation);
    else this.armed.set(operation as Operation, left - 1);
    return true;
  }

  reset(): void {
    this.armed.clear();
  }
}
