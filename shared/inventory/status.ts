import { DAY_MS } from './model.js';

/**
 * A credential's status is a pure function of its end date, the thresholds and now.
 * With thresholds sorted from largest to smallest (default 90, 60, 30, 14, 7):
 * - `unknown`: no end date (or one that does not parse);
 * - `expired`: the end is now or past;
 * - `critical`: within the smallest threshold (≤ 7 days);
 * - `warning`: within the middle threshold, the ⌈n/2⌉-th largest (≤ 30 days);
 * - `notice`: within the largest threshold (≤ 90 days);
 * - `ok`: further away.
 * "Within" includes the boundary: exactly 30 days left is `warning`.
 */
export type CredentialStatus = 'ok' | 'notice' | 'warning' | 'critical' | 'expired' | 'unknown';

export const STATUSES: readonly CredentialStatus[] = [
  'ok',
  'notice',
  'warning',
  'critical',
  'expired',
  'unknown',
];

export function endTime(endDateTime: string | null | undefined): number | undefined {
  if (!endDateTime) return undefined;
  const ms = Date.parse(endDateTime);
  return Number.isFinite(ms) ? ms : undefined;
}

/**
 * Whole days left until the end, truncated toward zero as people read it: 29.99 days left is 29,
 * a second past the end is 0 (and `expired`), 5.5 days past it is -5 ("expired 5 days ago").
 * Null when unknown.
 */
export function daysLeft(endDateTime: string | null | undefined, now: number): number | null {
  const end = endTime(endDateTime);
  // `+ 0` turns the -0 of a few seconds past the end into 0.
  return end === undefined ? null : Math.trunc((end - now) / DAY_MS) + 0;
}

/** Thresholds as given in Inventory__NoticeDays: positive whole days, largest first, no repeats. */
export function parseThresholds(values: string[]): { thresholds: number[]; problems: string[] } {
  const numbers = values.map(Number);
  if (values.length === 0 || numbers.some((n) => !Number.isInteger(n) || n < 1 || n > 3650))
    return {
      thresholds: [],
      problems: ['Inventory__NoticeDays: must be a comma-separated list of whole days from 1 to 3650'],
    };
  return { thresholds: [...new Set(numbers)].sort((a, b) => b - a), problems: [] };
}

/** The thresholds largest first; already so (parseThresholds sorts them), they are not copied. */
function largestFirst(thresholds: readonly number[]): readonly number[] {
  for (let i = 1; i < thresholds.length; i++)
    if ((thresholds[i] as number) > (thresholds[i - 1] as number))
      return [...thresholds].sort((a, b) => b - a);
  return thresholds;
}

export function credentialStatus(
  credential: { endDateTime: string | null },
  thresholds: readonly number[],
  now: number,
): CredentialStatus {
  const end = endTime(credential.endDateTime);
  if (end === undefined) return 'unknown';
  if (end <= now) return 'expired';
  const left = end - now;
  const sorted = largestFirst(thresholds);
  const within = (days: number | undefined) => days !== undefined && left <= days * DAY_MS;
  if (within(sorted.at(-1))) return 'critical';
  if (within(sorted[Math.ceil(sorted.length / 2) - 1])) return 'warning';
  if (within(sorted[0])) return 'notice';
  return 'ok';
}

/**
 * The threshold to announce now, or undefined: a credential that crossed thresholds not yet
 * announced gets one event, for the tightest of them (a credential first seen 10 days before its
 * end gets the 14-day event, not four at once); every crossed threshold then counts as announced.
 * An expired or undated credential crosses nothing.
 */
export function thresholdToAnnounce(
  credential: { endDateTime: string | null },
  thresholds: readonly number[],
  announced: readonly number[],
  now: number,
): { threshold: number; crossed: number[] } | undefined {
  const end = endTime(credential.endDateTime);
  if (end === undefined || end <= now) return undefined;
  // Runs once per credential per run: nothing is allocated unless there is something to announce.
  if (!thresholds.some((days) => end - now <= days * DAY_MS && !announced.includes(days))) return undefined;
  const crossed = thresholds.filter((days) => end - now <= days * DAY_MS);
  const fresh = crossed.filter((days) => !announced.includes(days));
  return {
    threshold: Math.min(...fresh),
    crossed: [...new Set([...announced, ...crossed])].sort((a, b) => b - a),
  };
}
