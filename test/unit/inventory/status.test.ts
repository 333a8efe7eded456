import { describe, expect, it } from 'vitest';
import {
  credentialStatus,
  daysLeft,
  parseThresholds,
  thresholdToAnnounce,
} from '../../../shared/inventory/status.js';

const NOW = Date.parse('2026-12-01T00:00:00Z');
const DAY = 24 * 3600 * 1000;
const THRESHOLDS = [90, 60, 30, 14, 7];
const at = (ms: number) => new Date(NOW + ms).toISOString();

describe('credentialStatus (default thresholds 90, 60, 30, 14, 7)', () => {
  it.each([
    ['no end date', null, 'unknown'],
    ['an unparseable end date', 'not a date', 'unknown'],
    ['ends exactly now', at(0), 'expired'],
    ['expired a second ago', at(-1000), 'expired'],
    ['a second left', at(1000), 'critical'],
    ['exactly 7 days', at(7 * DAY), 'critical'],
    ['7 days and 1 ms', at(7 * DAY + 1), 'warning'],
    ['29.99 days', at(29.99 * DAY), 'warning'],
    ['exactly 30 days', at(30 * DAY), 'warning'],
    ['30 days and 1 ms', at(30 * DAY + 1), 'notice'],
    ['exactly 90 days', at(90 * DAY), 'notice'],
    ['90 days and 1 ms', at(90 * DAY + 1), 'ok'],
    ['two years', at(730 * DAY), 'ok'],
  ])('%s → %s', (_case, endDateTime, expected) => {
    expect(credentialStatus({ endDateTime }, THRESHOLDS, NOW)).toBe(expected);
  });

  it('takes notice, warning and critical from the largest, middle and smallest threshold', () => {
    expect(credentialStatus({ endDateTime: at(45 * DAY) }, [60, 45, 10], NOW)).toBe('warning');
    expect(credentialStatus({ endDateTime: at(50 * DAY) }, [60, 45, 10], NOW)).toBe('notice');
    expect(credentialStatus({ endDateTime: at(10 * DAY) }, [60, 45, 10], NOW)).toBe('critical');
    // One threshold: within it is critical.
    expect(credentialStatus({ endDateTime: at(20 * DAY) }, [30], NOW)).toBe('critical');
  });
});

describe('daysLeft: whole days until the end, truncated toward zero', () => {
  it.each([
    ['unknown', null, null],
    ['29.99 days left', at(29.99 * DAY), 29],
    ['exactly 30 days left', at(30 * DAY), 30],
    ['a second left', at(1000), 0],
    ['ends now', at(0), 0],
    // Not -0 (JSON would still say 0, but a comparison with Object.is would not).
    ['expired a second ago', at(-1000), 0],
    ['expired 23h59 ago', at(-DAY + 60_000), 0],
    ['expired exactly a day ago', at(-DAY), -1],
    ['expired 5.5 days ago: "expired 5 days ago"', at(-5.5 * DAY), -5],
    ['expired 6 days ago', at(-6 * DAY), -6],
  ])('%s → %s', (_case, end, expected) => {
    expect(daysLeft(end, NOW)).toBe(expected);
  });
});

describe('parseThresholds', () => {
  it('sorts largest first and drops repeats', () => {
    expect(parseThresholds(['7', '30', '90', '30'])).toEqual({ thresholds: [90, 30, 7], problems: [] });
  });
  it.each([[[]], [['0']], [['x']], [['1.5']], [['-7']]])(
    'refuses %j with one problem naming the setting',
    (values) => {
      const { problems } = parseThresholds(values);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^Inventory__NoticeDays: /);
    },
  );
});

describe('thresholdToAnnounce (once per threshold per credential)', () => {
  it.each([
    ['100 days left: nothing crossed', 100, [], undefined],
    ['90 days exactly: the 90-day threshold', 90, [], { threshold: 90, crossed: [90] }],
    [
      'first seen 10 days before its end: one event, for 14',
      10,
      [],
      { threshold: 14, crossed: [90, 60, 30, 14] },
    ],
    ['14 already announced, still 10 days: nothing', 10, [90, 60, 30, 14], undefined],
    ['14 announced, now 6.5 days: 7', 6.5, [90, 60, 30, 14], { threshold: 7, crossed: [90, 60, 30, 14, 7] }],
    ['every threshold announced', 1, [90, 60, 30, 14, 7], undefined],
    ['expired: nothing', -1, [], undefined],
  ])('%s', (_case, days, announced, expected) => {
    expect(thresholdToAnnounce({ endDateTime: at(days * DAY) }, THRESHOLDS, announced, NOW)).toEqual(
      expected,
    );
  });

  it('an undated credential crosses nothing', () => {
    expect(thresholdToAnnounce({ endDateTime: null }, THRESHOLDS, [], NOW)).toBeUndefined();
  });
});
