import { getJson } from '../api.js';
import { legend, timelineChart } from '../charts/timeline-chart.js';
import { h, replace } from '../dom.js';
import { dateTime, day } from '../format.js';
import { empty, loading } from '../messages.js';
import type { Route } from '../router.js';
import type { Timeline } from '../types.js';

/** Expiry timeline: every credential's end over the next 24 months, redrawn to the view's width. */
export async function renderTimeline(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  replace(main, h('h2', { class: 'view-title' }, 'Expiry timeline'), loading('the timeline'));
  const data = await getJson<Timeline>('timeline');
  if (signal.aborted) return;
  const holder = h('div', { class: 'chart-holder' });
  replace(
    main,
    h('h2', { class: 'view-title' }, 'Expiry timeline'),
    h(
      'p',
      { class: 'meta' },
      `${data.items.length} credentials ending between ${day(data.from)} and ${day(data.to)} (earlier ends at the left edge, later at the right) · as of ${dateTime(data.generatedAt)}`,
    ),
    h(
      'p',
      { class: 'hint' },
      'Point at a mark, or Tab to the chart and move between marks with the arrow keys (Home, End: first, last), to see its app, credential and date.',
    ),
    data.items.length > 0 ? holder : empty('No credential with a known end date.'),
    legend(data.thresholds),
  );
  if (data.items.length === 0) return;
  let drawnWidth = 0;
  const draw = () => {
    const width = Math.max(320, Math.floor(holder.clientWidth));
    if (width === drawnWidth) return;
    drawnWidth = width;
    replace(holder, timelineChart(data, width));
  };
  draw();
  let pending: number | undefined;
  window.addEventListener(
    'resize',
    () => {
      window.clearTimeout(pending);
      pending = window.setTimeout(draw, 150);
    },
    { signal },
  );
}
