import { getJson } from '../api.js';
import { auditTable } from '../audit-table.js';
import { usageChart } from '../charts/usage-chart.js';
import { credentialTable, ownerList, section } from '../components.js';
import { h, replace } from '../dom.js';
import { empty, loading } from '../messages.js';
import type { Route } from '../router.js';
import type { AppDetail } from '../types.js';

/** App detail: its credentials, its whole audit history, and its token usage per day. */
export async function renderApp(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  replace(main, h('h2', { class: 'view-title' }, 'Application'), loading('the application'));
  const data = await getJson<AppDetail>(`apps/${encodeURIComponent(route.arg)}`);
  if (signal.aborted) return;
  const usage = h('div', { class: 'chart-holder small' });
  replace(
    main,
    h('h2', { class: 'view-title' }, data.app.appDisplayName || data.app.appId),
    h(
      'dl',
      { class: 'facts' },
      h('div', {}, h('dt', {}, 'App id'), h('dd', {}, h('code', {}, data.app.appId))),
      h('div', {}, h('dt', {}, 'Managed by rotation'), h('dd', {}, data.app.managed ? 'Yes' : 'No')),
      h('div', {}, h('dt', {}, 'Owners'), h('dd', {}, ownerList(data.app.owners))),
    ),
    section(
      'Credentials',
      data.credentials.length > 0
        ? credentialTable('Credentials of this app', data.credentials, [
            'type',
            'label',
            'end',
            'daysLeft',
            'status',
            'lastUsed',
            'lastRotated',
          ])
        : empty('This app has no credential.'),
    ),
    section(
      'Token usage, last 30 days',
      data.usage.some((entry) => entry.count > 0)
        ? usage
        : empty('The validator recorded no token of this app in the last 30 days.'),
    ),
    section(
      'History',
      data.history.length > 0
        ? auditTable('Audit history of this app', data.history, false)
        : empty('The audit trail has nothing for this app yet.'),
    ),
  );
  if (data.usage.length > 0)
    usage.appendChild(usageChart(data.usage, Math.max(240, Math.min(720, usage.clientWidth))));
}
