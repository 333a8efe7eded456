import { appLink, cell, scrollTable } from './components.js';
import { h } from './dom.js';
import { dateTime } from './format.js';
import type { AuditRecord } from './types.js';

/** Audit records as a table, newest first as the API sends them; details shown as short name: value pairs. */
const MAX_DETAILS = 6;

function details(record: AuditRecord): HTMLElement | string {
  const pairs = Object.entries(record.details ?? {})
    .filter(([, value]) => ['string', 'number', 'boolean'].includes(typeof value))
    .slice(0, MAX_DETAILS);
  if (pairs.length === 0) return '—';
  return h(
    'dl',
    { class: 'details' },
    ...pairs.map(([name, value]) => h('div', {}, h('dt', {}, name), h('dd', {}, String(value)))),
  );
}

/** The app's name as the event carried it (inventory and rotation events do), else its id. */
function appName(record: AuditRecord): string {
  const name = record.details?.appDisplayName;
  return typeof name === 'string' && name ? name : (record.appId ?? '');
}

export function auditTable(caption: string, records: AuditRecord[], withApp: boolean): HTMLElement {
  const header = ['Time', 'Kind', 'Severity', ...(withApp ? ['App'] : []), 'Subject', 'Actor', 'Details'];
  return scrollTable(
    caption,
    h(
      'table',
      { class: 'data audit' },
      h('thead', {}, h('tr', {}, ...header.map((label) => h('th', { scope: 'col' }, label)))),
      h(
        'tbody',
        {},
        ...records.map((record) =>
          h(
            'tr',
            { 'data-id': record.id, 'data-kind': record.kind },
            cell('Time', h('time', { datetime: record.time }, dateTime(record.time))),
            cell('Kind', [
              record.kind,
              record.outOfBand ? h('span', { class: 'flag out-of-band' }, 'out of band') : null,
            ]),
            cell('Severity', h('span', { class: `badge severity-${record.severity}` }, record.severity)),
            withApp ? cell('App', record.appId ? appLink(record.appId, appName(record)) : '—') : null,
            cell('Subject', h('code', {}, record.subject)),
            cell('Actor', record.actor ?? '—'),
            cell('Details', details(record)),
          ),
        ),
      ),
    ),
  );
}
