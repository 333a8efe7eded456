import type { Timer } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { parseSchedule, resolveSchedule, TimerRunner } from '../../../local/host/timers.js';
import type { TimerDefinition } from '../../../shared/platform/registry.js';

const definition = (schedule: string): TimerDefinition => ({
  kind: 'timer',
  name: 'rotate',
  schedule,
  runOnStartup: false,
  handler: () => undefined,
});

describe('timer schedules', () => {
  it('needs six NCRONTAB fields', () => {
    expect(() => parseSchedule('*/5 * * * *')).toThrow(/6 fields/);
    expect(parseSchedule('0 */5 * * * *').nextRun()).toBeInstanceOf(Date);
  });

  it('evaluates in UTC', () => {
    const next = parseSchedule('0 30 2 * * *').nextRun();
    expect(next?.getUTCHours()).toBe(2);
    expect(next?.getUTCMinutes()).toBe(30);
  });

  it('resolves %Setting% schedules from app settings', () => {
    expect(resolveSchedule('%Rotation__Schedule%', { Rotation__Schedule: '0 0 3 * * *' })).toBe(
      '0 0 3 * * *',
    );
    expect(() => resolveSchedule('%Missing%', {})).toThrow(/Missing/);
  });

  it('never overlaps: a run due meanwhile waits and then runs past due', async () => {
    const seen: Timer[] = [];
    let active = 0;
    let maxActive = 0;
    let release: () => void = () => undefined;
    const runner = new TimerRunner(definition('0 0 0 1 1 *'), async (_definition, timer) => {
      seen.push(timer);
      active++;
      maxActive = Math.max(maxActive, active);
      if (seen.length === 1) await new Promise<void>((resolve) => (release = resolve));
      active--;
    });
    const first = runner.run(false);
    void runner.run(false);
    void runner.run(false);
    release();
    await first;
    await runner.idle();
    runner.stop();
    expect(maxActive).toBe(1);
    expect(seen.map((t) => t.isPastDue)).toEqual([false, true]);
    expect(Date.parse(seen[0]?.scheduleStatus.next ?? '')).toBeGreaterThan(Date.now());
  });
});
