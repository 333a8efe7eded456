import { randomUUID } from 'node:crypto';
import type { Timer } from '@azure/functions';
import type { GridEvent } from '../../shared/platform/events.js';
import type {
  EventGridDefinition,
  FunctionDefinition,
  TimerDefinition,
} from '../../shared/platform/registry.js';
import { InvocationContext } from '../../shared/platform/sdk.js';

/** One function invocation as the host runs and logs it, whatever surface triggered it. */
export class Invocations {
  constructor(private readonly log: (line: string) => void) {}

  context(definition: FunctionDefinition, triggerType: string, triggerName: string): InvocationContext {
    return new InvocationContext({
      invocationId: randomUUID(),
      functionName: definition.name,
      logHandler: (level, ...args) => {
        const text = args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ');
        this.log(`[${new Date().toISOString()}] ${definition.name} ${level}: ${text}`);
      },
      options: { trigger: { type: triggerType, name: triggerName } },
    });
  }

  /** Runs one invocation between the host's "Executing" and "Executed" lines; a failure is logged and rethrown. */
  async run<T>(
    definition: FunctionDefinition,
    reason: string,
    context: InvocationContext,
    run: () => Promise<T>,
  ): Promise<T> {
    const started = performance.now();
    this.log(
      `[${new Date().toISOString()}] Executing 'Functions.${definition.name}' (Reason='${reason}', Id=${context.invocationId})`,
    );
    let outcome = 'Succeeded';
    try {
      return await run();
    } catch (error) {
      outcome = 'Failed';
      this.log(
        `[${new Date().toISOString()}] ${definition.name} error: ${(error as Error)?.stack ?? String(error)}`,
      );
      throw error;
    } finally {
      const ms = Math.round(performance.now() - started);
      this.log(
        `[${new Date().toISOString()}] Executed 'Functions.${definition.name}' (${outcome}, Id=${context.invocationId}, Duration=${ms}ms)`,
      );
    }
  }

  async timer(definition: TimerDefinition, timer: Timer): Promise<void> {
    const context = this.context(definition, 'timerTrigger', 'timer');
    const reason = timer.isPastDue ? 'Timer fired (past due)' : 'Timer fired';
    await this.run(definition, reason, context, async () => definition.handler(timer, context)).catch(() => {
      // A failed timer run is logged and not retried, as the host does; the next occurrence runs as usual.
    });
  }

  /** Delivers events one at a time, one invocation each; the first failure rejects the whole batch. */
  async events(definition: EventGridDefinition, events: GridEvent[]): Promise<void> {
    for (const event of events) {
      const context = this.context(definition, 'eventGridTrigger', 'event');
      await this.run(definition, 'EventGrid trigger fired', context, async () =>
        definition.handler(event, context),
      );
    }
  }
}
