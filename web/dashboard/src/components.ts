import { type Child, h } from './dom.js';
import { dateTime, day, daysLeft, LAST_USE_SOURCE } from './format.js';
import { appHash } from './router.js';
import { type Credential, credentialLabel, type Status } from './types.js';

/** Pieces several views share: the status badge, the app link, the credential columns. */
export const STATUS_LABEL: Record<Status, string> = {
  ok: 'OK',
  notice: 'Notice',
  warning: 'Warning',
  critical: 'Critical',
  expired: 'Expired',
  unknown: 'Unknown',
};

export function statusBadge(status: Status): HTMLElement {
  return h('span', { class: `badge status-${status}` }, STATUS_LABEL[status] ?? status);
}

export function appLink(appId: string, name: string): HTMLAnchorElement {
  return h('a', { href: appHash(appId) }, name || appId);
}

export interface Column {
  key: string;
  label: string;
  /** The data API's sort name, when the column sorts. */
  sort?: string;
  cell(credential: Credential): Child;
}

export const CREDENTIAL_COLUMNS: Column[] = [
  {
    key: 'app',
    label: 'App',
    sort: 'appDisplayName',
    cell: (c) => appLink(c.appId, c.appDisplayName),
  },
  {
    key: 'type',
    label: 'Type',
    sort: 'type',
    cell: (c) => (c.type === 'password' ? 'Secret' : 'Certificate'),
  },
  {
    key: 'label',
    label: 'Hint or thumbprint',
    cell: (c) => h('code', { class: c.thumbprint && !c.hint ? 'thumbprint' : undefined }, credentialLabel(c)),
  },
  { key: 'end', label: 'Ends', sort: 'endDateTime', cell: (c) => day(c.endDateTime) },
  { key: 'daysLeft', label: 'Days left', sort: 'daysLeft', cell: (c) => daysLeft(c.daysLeft) },
  {
    key: 'status',
    label: 'Status',
    sort: 'status',
    cell: (c) => [
      statusBadge(c.status),
      c.deleted ? h('span', { class: 'flag' }, 'app deleted') : null,
      c.stale ? h('span', { class: 'flag' }, 'stale') : null,
    ],
  },
  {
    key: 'lastUsed',
    label: 'Last used',
    sort: 'lastUsedAt',
    cell: (c) =>
      c.lastUsedAt
        ? [
            dateTime(c.lastUsedAt),
            h(
              'span',
              { class: 'source' },
              `(${LAST_USE_SOURCE[c.lastUsedSource ?? ''] ?? 'unknown source'})`,
            ),
          ]
        : 'never seen',
  },
  {
    key: 'lastRotated',
    label: 'Last rotated',
    sort: 'lastRotatedAt',
    cell: (c) =>
      c.lastRotatedAt
        ? [
            dateTime(c.lastRotatedAt),
            c.rotationState ? h('span', { class: 'source' }, `(${c.rotationState})`) : null,
          ]
        : '—',
  },
  { key: 'managed', label: 'Managed', sort: 'managed', cell: (c) => (c.managed ? 'Yes' : 'No') },
  { key: 'owners', label: 'Owners', cell: (c) => ownerList(c.owners) },
];

/** A table cell labelled with its column, its content in one box (the stacked layout on phones needs it). */
export function cell(label: string, content: Child, key?: string): HTMLTableCellElement {
  return h('td', { 'data-col': key, 'data-label': label }, h('div', { class: 'cell' }, content));
}

export function ownerList(owners: string[]): Child {
  if (owners.length === 0) return '—';
  return h('ul', { class: 'owners' }, ...owners.map((owner) => h('li', {}, h('code', {}, owner))));
}

export function columns(keys: string[]): Column[] {
  return keys.map((key) => CREDENTIAL_COLUMNS.find((column) => column.key === key)!);
}

/** A table that scrolls sideways on a narrow screen; the scroll region is focusable for keyboards. */
export function scrollTable(caption: string, table: HTMLTableElement): HTMLElement {
  table.prepend(h('caption', { class: 'visually-hidden' }, caption));
  return h('div', { class: 'table-scroll', role: 'region', 'aria-label': caption, tabindex: 0 }, table);
}

export function credentialTable(caption: string, credentials: Credential[], keys: string[]): HTMLElement {
  const cols = columns(keys);
  const table = h(
    'table',
    { class: 'data' },
    h('thead', {}, h('tr', {}, ...cols.map((column) => h('th', { scope: 'col' }, column.label)))),
    h(
      'tbody',
      {},
      ...credentials.map((credential) =>
        h(
          'tr',
          { 'data-key-id': credential.keyId },
          ...cols.map((column) => {
            return cell(column.label, column.cell(credential), column.key);
          }),
        ),
      ),
    ),
  );
  return scrollTable(caption, table);
}

export function section(title: string, ...children: Child[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return h('section', { class: 'panel', 'aria-labelledby': id }, h('h2', { id }, title), ...children);
}
