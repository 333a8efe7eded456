/** Dates and values as the page shows them: UTC, ISO-like, the same in every locale. */
export function day(iso: string | null | undefined): string {
  if (!iso) return '—';
  const time = Date.parse(iso);
  return Number.isFinite(time) ? new Date(time).toISOString().slice(0, 10) : '—';
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const time = Date.parse(iso);
  return Number.isFinite(time) ? `${new Date(time).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '—';
}

export function daysLeft(days: number | null | undefined): string {
  if (days === null || days === undefined) return '—';
  return days < 0 ? `${-days} d ago` : `${days} d`;
}

export const LAST_USE_SOURCE: Record<string, string> = {
  signInActivity: 'sign-in report',
  validatorUsage: 'validator',
};

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
