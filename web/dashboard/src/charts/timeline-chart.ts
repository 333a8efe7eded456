import { axisBottom } from 'd3-axis';
import { scaleBand, scaleUtc } from 'd3-scale';
import { select } from 'd3-selection';
import { STATUS_LABEL } from '../components.js';
import { h, svg } from '../dom.js';
import { day } from '../format.js';
import type { Status, Timeline, TimelineItem } from '../types.js';

/**
 * The expiry timeline: one SVG circle per credential on a UTC time axis (d3-scale, d3-axis), one row
 * per status, today and the notice thresholds as rules. Every mark is focusable and named, so
 * hovering or tabbing to it shows app, credential and date. No inline <style>: the look is in
 * dashboard.css, positions are attributes, the tooltip's place is set through element.style.
 */
const DAY_MS = 24 * 3600 * 1000;
const ROWS: Status[] = ['expired', 'critical', 'warning', 'notice', 'ok', 'unknown'];
/** Room left of today for credentials that already ended (clamped to the left edge beyond it). */
const PAST_DAYS = 45;

export function markLabel(item: TimelineItem, clamped: 'before' | 'after' | null): string {
  const what = item.type === 'password' ? 'secret' : 'certificate';
  const label = item.label ? ` ${item.label}` : '';
  const ends = Date.parse(item.endDateTime) <= Date.now() ? 'ended' : 'ends';
  const note =
    clamped === 'after' ? ' (after the range shown)' : clamped === 'before' ? ' (before the range)' : '';
  return `${item.appDisplayName || item.appId}: ${what}${label} ${ends} ${day(item.endDateTime)}${note}, ${STATUS_LABEL[item.status]}`;
}

function itemLabel(item: TimelineItem): string {
  if (!item.label) return item.keyId;
  return item.type === 'password' ? `${item.label}…` : item.label;
}

export function timelineChart(data: Timeline, width: number): HTMLElement {
  const now = Date.parse(data.from);
  const start = now - PAST_DAYS * DAY_MS;
  const end = Date.parse(data.to);
  const margin = { top: 44, right: 18, bottom: 30, left: width < 500 ? 66 : 84 };
  const rows = ROWS.filter((status) => status !== 'unknown' || data.items.some((i) => i.status === status));
  const height = margin.top + margin.bottom + rows.length * 38;
  const x = scaleUtc()
    .domain([new Date(start), new Date(end)])
    .range([margin.left, width - margin.right]);
  const y = scaleBand<Status>()
    .domain(rows)
    .range([margin.top, height - margin.bottom])
    .padding(0.15);

  const wrapper = h('div', { class: 'chart' });
  const tip = h('div', { class: 'tip', 'aria-hidden': 'true', hidden: true });
  const root = svg('svg', {
    class: 'timeline',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'group',
    'aria-label': `Expiry timeline: ${data.items.length} credentials from ${day(data.from)} to ${day(data.to)}`,
  });

  for (const status of rows) {
    const top = y(status) ?? 0;
    root.append(
      svg('rect', {
        class: `row row-${status}`,
        x: margin.left,
        y: top,
        width: width - margin.left - margin.right,
        height: y.bandwidth(),
      }),
      svg(
        'text',
        {
          class: 'row-label',
          x: margin.left - 8,
          y: top + y.bandwidth() / 2,
          dy: '0.32em',
          'text-anchor': 'end',
        },
        STATUS_LABEL[status],
      ),
    );
  }

  const axis = svg('g', { class: 'axis', transform: `translate(0,${height - margin.bottom})` });
  select(axis).call(
    axisBottom(x)
      .ticks(Math.max(2, Math.floor(width / 110)))
      .tickSizeOuter(0),
  );
  root.append(axis);

  // Labels: today's left of its rule, the thresholds' right of theirs on three staggered lines, so
  // 7, 14 and 30 days stay readable even where their rules nearly touch.
  const rule = (at: number, cls: string, label: string, level: number, anchor: 'start' | 'end') => {
    const px = x(new Date(at));
    const level0 = margin.top - 32;
    root.append(
      svg('line', {
        class: `rule ${cls}`,
        x1: px,
        x2: px,
        y1: level0 + level * 11 - 8,
        y2: height - margin.bottom,
      }),
      svg(
        'text',
        {
          class: `rule-label ${cls}`,
          x: anchor === 'start' ? px + 3 : px - 3,
          y: level0 + level * 11,
          'text-anchor': anchor,
        },
        label,
      ),
    );
  };
  const thresholds = [...data.thresholds].sort((a, b) => a - b);
  thresholds.forEach((days, index) => {
    rule(now + days * DAY_MS, 'threshold', `${days} d`, index % 3, 'start');
  });
  rule(now, 'today', 'today', 0, 'end');

  // Marks: spread within their row so credentials ending close together stay apart.
  const marks = svg('g', { class: 'marks' });
  const sorted = [...data.items].sort((a, b) => Date.parse(a.endDateTime) - Date.parse(b.endDateTime));
  const perRow = new Map<Status, number>();
  for (const item of sorted) {
    const ends = Date.parse(item.endDateTime);
    const clamped = ends < start ? 'before' : ends > end ? 'after' : null;
    const at = Math.min(Math.max(ends, start), end);
    const status = rows.includes(item.status) ? item.status : 'unknown';
    const n = perRow.get(status) ?? 0;
    perRow.set(status, n + 1);
    const band = y(status) ?? margin.top;
    const cy = band + y.bandwidth() / 2 + (((n % 5) - 2) * y.bandwidth()) / 6;
    const label = markLabel(item, clamped);
    const mark = svg('circle', {
      class: `mark status-${item.status}${clamped ? ' clamped' : ''}`,
      cx: x(new Date(at)),
      cy,
      r: 6,
      tabindex: 0,
      role: 'img',
      'aria-label': label,
      'data-key-id': item.keyId,
      'data-app-id': item.appId,
    });
    const showTip = () => {
      tip.replaceChildren(
        h('strong', {}, item.appDisplayName || item.appId),
        h('span', {}, `${item.type === 'password' ? 'Secret' : 'Certificate'} ${itemLabel(item)}`),
        h('span', {}, `${clamped === 'after' ? 'Ends after the range: ' : 'Ends '}${day(item.endDateTime)}`),
        h('span', {}, STATUS_LABEL[item.status]),
      );
      tip.hidden = false;
      const cx = Number(mark.getAttribute('cx'));
      tip.style.left = `${Math.min(Math.max(cx, 90), width - 90)}px`;
      tip.style.top = `${cy + 12}px`;
    };
    const hideTip = () => {
      tip.hidden = true;
    };
    mark.addEventListener('mouseenter', showTip);
    mark.addEventListener('focus', showTip);
    mark.addEventListener('mouseleave', hideTip);
    mark.addEventListener('blur', hideTip);
    mark.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') hideTip();
    });
    marks.append(mark);
  }
  root.append(marks);
  wrapper.append(root, tip);
  return wrapper;
}

export function legend(thresholds: number[]): HTMLElement {
  return h(
    'ul',
    { class: 'legend', 'aria-label': 'Legend' },
    ...ROWS.filter((s) => s !== 'unknown').map((status) =>
      h('li', {}, h('span', { class: `swatch status-${status}` }), STATUS_LABEL[status]),
    ),
    h('li', {}, h('span', { class: 'swatch today' }), 'today'),
    h(
      'li',
      {},
      h('span', { class: 'swatch threshold' }),
      `notice thresholds (${[...thresholds].sort((a, b) => b - a).join(', ')} days)`,
    ),
  );
}
