import { axisBottom, axisLeft } from 'd3-axis';
import { scaleBand, scaleLinear } from 'd3-scale';
import { select } from 'd3-selection';
import { svg } from '../dom.js';

/** Token usage per day (the validator's usage records) as small bars; the SVG's name sums it up. */
export function usageChart(usage: Array<{ day: string; count: number }>, width: number): SVGSVGElement {
  const height = 160;
  const margin = { top: 10, right: 10, bottom: 26, left: 40 };
  const total = usage.reduce((sum, entry) => sum + entry.count, 0);
  const peak = usage.reduce((best, entry) => (entry.count > (best?.count ?? -1) ? entry : best), usage[0]);
  const x = scaleBand<string>()
    .domain(usage.map((entry) => entry.day))
    .range([margin.left, width - margin.right])
    .padding(0.2);
  const y = scaleLinear()
    .domain([0, Math.max(1, peak?.count ?? 0)])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const root = svg('svg', {
    class: 'usage',
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: 'img',
    'aria-label': `Token usage per day, ${usage[0]?.day ?? ''} to ${usage.at(-1)?.day ?? ''}: ${total} in all${
      peak && peak.count > 0 ? `, at most ${peak.count} on ${peak.day}` : ''
    }`,
  });
  const every = Math.ceil(usage.length / Math.max(2, Math.floor(width / 70)));
  const bottom = svg('g', { class: 'axis', transform: `translate(0,${height - margin.bottom})` });
  select(bottom).call(
    axisBottom(x)
      .tickValues(usage.filter((_, index) => index % every === 0).map((entry) => entry.day))
      .tickFormat((value) => value.slice(5))
      .tickSizeOuter(0),
  );
  const left = svg('g', { class: 'axis', transform: `translate(${margin.left},0)` });
  // Whole counts only: a day has no 0.5 validations.
  select(left).call(
    axisLeft(y)
      .tickValues(y.ticks(4).filter(Number.isInteger))
      .tickFormat((value) => String(value))
      .tickSizeOuter(0),
  );
  root.append(bottom, left);
  for (const entry of usage) {
    const top = y(entry.count);
    root.append(
      svg(
        'rect',
        {
          class: 'bar',
          x: x(entry.day) ?? 0,
          y: top,
          width: x.bandwidth(),
          height: Math.max(0, height - margin.bottom - top),
          'data-day': entry.day,
          'data-count': entry.count,
        },
        svg('title', {}, `${entry.day}: ${entry.count}`),
      ),
    );
  }
  return root;
}
