import { getJson } from '../api.js';
import { appLink, credentialTable, STATUS_LABEL, section } from '../components.js';
import { h, replace } from '../dom.js';
import { dateTime } from '../format.js';
import { empty, loading } from '../messages.js';
import { hashOf, type Route } from '../router.js';
import { type Overview, type Run, STATUSES } from '../types.js';

/** Overview: counts by status, the next to expire, apps without a valid credential, past grace, runs. */
export async function renderOverview(main: HTMLElement, _route: Route, signal: AbortSignal): Promise<void> {
  replace(main, h('h2', { class: 'view-title' }, 'Overview'), loading('the overview'));
  const data = await getJson<Overview>('overview');
  if (signal.aborted) return;
  replace(
    main,
    h('h2', { class: 'view-title' }, 'Overview'),
    h('p', { class: 'meta' }, `${data.total} credentials · as of ${dateTime(data.generatedAt)}`),
    counts(data),
    section(
      'Next to expire',
      data.nextToExpire.length > 0
        ? credentialTable('Next credentials to expire', data.nextToExpire, [
            'app',
            'type',
            'label',
            'end',
            'daysLeft',
            'status',
          ])
        : empty('No credential expires in the future.'),
    ),
    h(
      'div',
      { class: 'columns' },
      section(
        'Apps with no valid credential',
        data.appsWithoutValidCredential.length > 0
          ? h(
              'ul',
              { class: 'plain' },
              ...data.appsWithoutValidCredential.map((app) =>
                h('li', {}, appLink(app.appId, app.appDisplayName)),
              ),
            )
          : empty('Every app has at least one valid credential.'),
      ),
      section('Last runs', runs(data.runs)),
    ),
    section(
      'Still in use past grace',
      data.stillInUsePastGrace.length > 0
        ? credentialTable('Credentials still in use past their grace', data.stillInUsePastGrace, [
            'app',
            'type',
            'label',
            'end',
            'lastUsed',
            'lastRotated',
          ])
        : empty('No replaced credential is still in use.'),
    ),
  );
}

function counts(data: Overview): HTMLElement {
  return h(
    'section',
    { class: 'counts', 'aria-label': 'Credentials by status' },
    ...STATUSES.map((status) =>
      h(
        'a',
        { class: `count status-${status}`, href: hashOf('credentials', { status }), 'data-status': status },
        h('span', { class: 'count-value', 'data-count': status }, String(data.counts[status] ?? 0)),
        h('span', { class: 'count-label' }, STATUS_LABEL[status]),
      ),
    ),
  );
}

function runs(data: Overview['runs']): HTMLElement {
  const row = (name: string, run: Run | null) =>
    h(
      'div',
      { class: 'run', 'data-run': name.toLowerCase() },
      h('dt', {}, name),
      h(
        'dd',
        {},
        run
          ? [
              h('span', { class: `badge outcome-${run.outcome}` }, run.outcome),
              ' ',
              h('time', { datetime: run.at }, dateTime(run.at)),
              h('span', { class: 'summary' }, run.summary),
            ]
          : 'No run yet.',
      ),
    );
  return h('dl', { class: 'runs' }, row('Inventory', data.inventory), row('Rotation', data.rotation));
}
