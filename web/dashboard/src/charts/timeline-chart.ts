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
 * hovering or focusing it (Tab to the chart, then the arrow keys) shows app, credential and date. No inline <style>: the look is in
 * dashboard.css, positions are attributes, the tooltip's place is set through element.style.
 */
const DAY_MS = 24 * 3600 * 1000;
const ROWS: Status[] = ['expired', 'critical', 'warning', 'notice', 'ok', 'unknown'];
/** Room left of today for credentials that already ended (clamped to the left edge beyond it). */
const PAST_DAYS = 45;
/** Marks added per task: small enough that a chunk stays well under a 50 ms long task on a slow laptop. */
const MARKS_PER_CHUNK = 1000;

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

  // Marks: spread within their row so credentials ending close together stay apart. Drawn in
  // chunks, yielding between them, so 10,000+ credentials never block the page in one long task;
  // the chart is aria-busy until the last chunk is in. One set of listeners on the group serves
  // every mark (per-mark listeners cost more than the marks themselves at that size).
  const marks = svg('g', { class: 'marks' });
  const placed = placeMarks(data.items, rows, start, end);
  const byMark = new WeakMap<Element, Placed>();
  const showTip = (event: Event) => {
    const mark = event.target instanceof Element ? event.target : null;
    const found = mark && byMark.get(mark);
    if (!found) return;
    const { item, clamped, cx, row, lane } = found;
    const cy = markY(row, lane);
    tip.replaceChildren(
      h('strong', {}, item.appDisplayName || item.appId),
      h('span', {}, `${item.type === 'password' ? 'Secret' : 'Certificate'} ${itemLabel(item)}`),
      h('span', {}, `${clamped === 'after' ? 'Ends after the range: ' : 'Ends '}${day(item.endDateTime)}`),
      h('span', {}, STATUS_LABEL[item.status]),
    );
    tip.hidden = false;
    tip.style.left = `${Math.min(Math.max(x(new Date(cx)), 90), width - 90)}px`;
    tip.style.top = `${cy + 12}px`;
  };
  const hideTip = (event: Event) => {
    if (event.target instanceof Element && byMark.has(event.target)) tip.hidden = true;
  };
  marks.addEventListener('mouseover', showTip);
  marks.addEventListener('focusin', showTip);
  marks.addEventListener('mouseout', hideTip);
  marks.addEventListener('focusout', hideTip);
  // One tab stop for the whole chart (a roving tabindex): the arrow keys move from mark to mark in
  // end order, Home and End to the first and last, so 10,000 marks are not 10,000 Tab presses.
  const drawn: SVGCircleElement[] = [];
  const moveTo = (index: number) => drawn[Math.min(Math.max(index, 0), drawn.length - 1)]?.focus();
  // Whichever mark got focus (keys, a click, a test) is where Tab comes back to.
  marks.addEventListener('focusin', (event) => {
    if (!(event.target instanceof SVGCircleElement)) return;
    for (const mark of marks.querySelectorAll('[tabindex="0"]')) mark.setAttribute('tabindex', '-1');
    event.target.setAttribute('tabindex', '0');
  });
  marks.addEventListener('keydown', (event) => {
    const at = event.target instanceof SVGCircleElement ? drawn.indexOf(event.target) : -1;
    if (event.key === 'Escape') tip.hidden = true;
    const step: Record<string, number> = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    const to =
      event.key in step
        ? at + (step[event.key] ?? 0)
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? drawn.length - 1
            : undefined;
    if (to === undefined || at < 0) return;
    event.preventDefault();
    moveTo(to);
  });
  const markY = (row: Status, lane: number) =>
    (y(row) ?? margin.top) + y.bandwidth() / 2 + ((lane - 2) * y.bandwidth()) / 6;
  const drawChunk = (from: number) => {
    const chunk = document.createDocumentFragment();
    for (const one of placed.slice(from, from + MARKS_PER_CHUNK)) {
      const mark = svg('circle', {
        class: `mark status-${one.item.status}${one.clamped ? ' clamped' : ''}`,
        cx: x(new Date(one.cx)),
        cy: markY(one.row, one.lane),
        r: 6,
        tabindex: drawn.length === 0 ? 0 : -1,
        role: 'img',
        'aria-label': markLabel(one.item, one.clamped),
        'data-key-id': one.item.keyId,
        'data-app-id': one.item.appId,
      });
      byMark.set(mark, one);
      drawn.push(mark);
      chunk.append(mark);
    }
    marks.append(chunk);
  };
  drawChunk(0);
  if (placed.length > MARKS_PER_CHUNK) {
    wrapper.setAttribute('aria-busy', 'true');
    const more = (from: number) => {
      // A redraw (another width) replaced this chart: stop drawing it.
      if (!wrapper.isConnected) return;
      drawChunk(from);
      if (from + MARKS_PER_CHUNK < placed.length) setTimeout(() => more(from + MARKS_PER_CHUNK), 0);
      else wrapper.removeAttribute('aria-busy');
    };
    setTimeout(() => more(MARKS_PER_CHUNK), 0);
  }
  root.append(marks);
  wrapper.append(root, tip);
  return wrapper;
}

interface Placed {
  item: TimelineItem;
  clamped: 'before' | 'after' | null;
  /** The end as shown, in ms (clamped to the axis). */
  cx: number;
  row: Status;
  /** Which of five lanes within its row, so neighbours in time do not cover each other. */
  lane: number;
}

/** Every item's place in end order: its row (status), lane and clamped end. */
function placeMarks(items: TimelineItem[], rows: Status[], start: number, end: number): Placed[] {
  const perRow = new Map<Status, number>();
  return items
    .map((item) => ({ item, ends: Date.parse(item.endDateTime) }))
    .sort((a, b) => a.ends - b.ends)
    .map(({ item, ends }) => {
      const row = rows.includes(item.status) ? item.status : 'unknown';
      const n = perRow.get(row) ?? 0;
      perRow.set(row, n + 1);
      return {
        item,
        clamped: ends < start ? 'before' : ends > end ? 'after' : null,
        cx: Math.min(Math.max(ends, start), end),
        row,
        lane: n % 5,
      };
    });
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
