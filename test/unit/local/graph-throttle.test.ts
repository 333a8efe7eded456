import { describe, expect, it } from 'vitest';
import { FaultPlan } from '../../../local/graph/faults.js';
import { SlidingWindow } from '../../../local/graph/throttle.js';

describe('reports throttle: 5 requests per 10 s per app (sliding window)', () => {
  it('admits 5, refuses the 6th with the seconds until the oldest leaves the window', () => {
    let now = 1_000_000;
    const window = new SlidingWindow(5, 10_000, () => now);
    for (let i = 0; i < 5; i += 1) {
      expect(window.take('app')).toEqual({ ok: true });
      now += 1000; // requests at t = 0, 1, 2, 3, 4 s
    }
    expect(window.take('app')).toEqual({ ok: false, retryAfterSeconds: 5 }); // at 5 s; t=0 leaves at 10 s
    expect(window.take('other')).toEqual({ ok: true });
    now = 1_000_000 + 9_999;
    expect(window.take('app')).toEqual({ ok: false, retryAfterSeconds: 1 });
    now = 1_000_000 + 10_000; // the first request is out of the window
    expect(window.take('app')).toEqual({ ok: true });
    expect(window.take('app')).toEqual({ ok: false, retryAfterSeconds: 1 });
  });
});

describe('Graph fault plan', () => {
  const sequence = (values: number[]) => {
    let i = 0;
    return () => values[i++ % values.length] ?? 0;
  };

  it('is quiet in ok mode', () => {
    expect(new FaultPlan().next()).toEqual({ kind: 'none' });
  });

  it('faults only the next N answers, then is back to ok', () => {
    const plan = new FaultPlan();
    plan.set('throttle', { count: 2, retryAfterSeconds: 3 });
    expect(plan.next()).toEqual({ kind: 'throttle', retryAfterSeconds: 3 });
    expect(plan.next()).toEqual({ kind: 'throttle', retryAfterSeconds: 3 });
    expect(plan.next()).toEqual({ kind: 'none' });
    expect(plan.current).toBe('ok');
  });

  it('faults a share of requests at a rate, and counts only faulted ones', () => {
    const plan = new FaultPlan(sequence([0.1, 0.9, 0.29, 0.3]));
    plan.set('unavailable', { rate: 0.3, count: 2, retryAfterSeconds: null });
    expect([plan.next(), plan.next(), plan.next(), plan.next()]).toEqual([
      { kind: 'unavailable' },
      { kind: 'none' },
      { kind: 'unavailable' },
      { kind: 'none' },
    ]);
    expect(plan.current).toBe('ok');
  });

  it('sends a share of 429s without Retry-After', () => {
    const plan = new FaultPlan(sequence([0.2, 0.8]));
    plan.set('throttle', { withoutRetryAfter: 0.5, retryAfterSeconds: 1 });
    expect([plan.next(), plan.next()]).toEqual([
      { kind: 'throttle' },
      { kind: 'throttle', retryAfterSeconds: 1 },
    ]);
  });

  it('hangs', () => {
    const plan = new FaultPlan();
    plan.set('hang', { count: 1 });
    expect(plan.next()).toEqual({ kind: 'hang' });
    expect(plan.next()).toEqual({ kind: 'none' });
  });

  it.each([
    ['explode', {}],
    ['throttle', { rate: 0 }],
    ['throttle', { rate: 1.5 }],
    ['throttle', { count: 0 }],
    ['throttle', { count: 1.5 }],
    ['throttle', { retryAfterSeconds: -1 }],
    ['throttle', { retryAfterSeconds: 1.5 }],
    ['throttle', { withoutRetryAfter: 2 }],
  ])('refuses mode %s with %j and keeps the previous mode', (mode, options) => {
    const plan = new FaultPlan();
    expect(() => plan.set(mode as never, options)).toThrow();
    expect(plan.current).toBe('ok');
  });
});
