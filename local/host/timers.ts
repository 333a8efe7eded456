import type { Timer } from '@azure/functions';
import { Cron } from 'croner';
import type { TimerDefinition } from '../../shared/platform/registry.js';

/**
 * Timer triggers as the Functions host runs them ("Timer trigger for Azure Functions", Microsoft
 * Learn): NCRONTAB with six fields (seconds first), evaluated in UTC; `%Name%` schedules resolve
 * from app settings; an occurrence that comes due while the previous run is still going does not
 * overlap it, it runs right after with `isPastDue: true`.
 */
export function resolveSchedule(
  schedule: string,
  env: Record<string, string | undefined> = process.env,
): string {
  const setting = /^%([^%]+)%$/.exec(schedule.trim());
  if (!setting) return schedule.trim();
  const value = env[setting[1] ?? ''];
  if (!value) throw new Error(`Timer schedule refers to app setting "${setting[1]}", which is not set.`);
  return value.trim();
}

export function parseSchedule(schedule: string): Cron {
  const fields = schedule.split(/\s+/).filter(Boolean);
  if (fields.length !== 6) {
    throw new Error(
      `NCRONTAB "${schedule}" must have 6 fields ({second} {minute} {hour} {day} {month} {day-of-week}).`,
    );
  }
  return new Cron(schedule, { timezone: 'UTC', mode: '6-part', paused: true });
}

export type TimerInvoker = (definition: TimerDefinition, timer: Timer) => Promise<void>;

export class TimerRunner {
  private readonly cron: Cron;
  private running: Promise<void> | undefined;
  private pending = false;
  private last: Date | undefined;
  private stopped = false;

  constructor(
    readonly definition: TimerDefinition,
    private readonly invoke: TimerInvoker,
    env: Record<string, string | undefined> = process.env,
  ) {
    const schedule = resolveSchedule(definition.schedule, env);
    this.cron = parseSchedule(schedule);
    this.cron.schedule(() => {
      void this.run(false);
    });
  }

  start(): void {
    this.cron.resume();
    if (this.definition.runOnStartup) void this.run(false);
  }

  stop(): void {
    this.stopped = true;
    this.cron.stop();
  }

  nextOccurrence(): Date | null {
    return this.cron.nextRun();
  }

  /** Runs now (schedule or admin request); if a run is in progress, queues one past-due run. */
  run(isPastDue: boolean): Promise<void> {
    if (this.running) {
      this.pending = true;
      return this.running;
    }
    const now = new Date();
    const timer: Timer = {
      isPastDue,
      schedule: { adjustForDST: false },
      scheduleStatus: {
        last: (this.last ?? now).toISOString(),
        next: (this.cron.nextRun() ?? now).toISOString(),
        lastUpdated: now.toISOString(),
      },
    };
    this.last = now;
    this.running = this.invoke(this.definition, timer).finally(() => {
      this.running = undefined;
      if (this.pending && !this.stopped) {
        this.pending = false;
        void this.run(true);
      }
    });
    return this.running;
  }

  /** Resolves when no run is in progress or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }
}
