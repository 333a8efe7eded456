import { download, getJson } from '../api.js';
import { CREDENTIAL_COLUMNS, cell, STATUS_LABEL, scrollTable } from '../components.js';
import { field, h, replace, select } from '../dom.js';
import { plural } from '../format.js';
import { errorMessage } from '../messages.js';
import { type Route, replaceParams } from '../router.js';
import { type CredentialPage, STATUSES } from '../types.js';

/**
 * Credentials table: filters, sorting and paging happen on the server (the data API pages), so the
 * page only ever holds one page of rows, however many credentials there are. The filters live in
 * the address (`#/credentials?status=warning&page=2`), so a view can be linked and reloaded.
 */
const PAGE_SIZE = 50;
const FILTERS = ['status', 'owner', 'managed', 'q', 'sort', 'order', 'page'] as const;

export async function renderCredentials(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const state = new URLSearchParams();
  for (const name of FILTERS) {
    const value = route.params.get(name);
    if (value) state.set(name, value);
  }

  const status = select(
    'status',
    [['', 'All statuses'], ...STATUSES.map((s) => [s, STATUS_LABEL[s]] as [string, string])],
    state.get('status') ?? '',
  );
  const owner = select('owner', [['', 'All owners']], state.get('owner') ?? '');
  const managed = select(
    'managed',
    [
      ['', 'Managed or not'],
      ['true', 'Managed by rotation'],
      ['false', 'Not managed'],
    ],
    state.get('managed') ?? '',
  );
  const search = h('input', {
    type: 'search',
    name: 'q',
    autocomplete: 'off',
    placeholder: 'App name or id',
  });
  search.value = state.get('q') ?? '';
  const exportButton = h('button', { type: 'button', class: 'export' }, 'Export to CSV');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter credentials' },
    field('Status', status),
    field('Owner', owner),
    field('Managed', managed),
    field('Search apps', search),
    h('div', { class: 'field actions' }, exportButton),
  );
  const summary = h('p', { class: 'meta', role: 'status', 'aria-live': 'polite' }, 'Loading credentials…');
  const results = h('div', { class: 'results' });
  const previous = h('button', { type: 'button' }, 'Previous page');
  const next = h('button', { type: 'button' }, 'Next page');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, previous, next);
  const exportStatus = h('p', { class: 'meta', role: 'status' });
  replace(main, h('h2', { class: 'view-title' }, 'Credentials'), form, exportStatus, summary, results, pager);

  let sequence = 0;
  const apiParams = (extra: Record<string, string | number> = {}) => ({
    status: state.get('status'),
    owner: state.get('owner'),
    managed: state.get('managed'),
    q: state.get('q'),
    sort: state.get('sort') ?? 'endDateTime',
    order: state.get('order') ?? 'asc',
    ...extra,
  });

  const load = async () => {
    const mine = ++sequence;
    replaceParams('credentials', state);
    results.setAttribute('aria-busy', 'true');
    summary.textContent = 'Loading credentials…';
    const page = Math.max(1, Number(state.get('page') ?? '1') || 1);
    try {
      const data = await getJson<CredentialPage>('credentials', apiParams({ page, pageSize: PAGE_SIZE }));
      if (signal.aborted || mine !== sequence) return;
      showOwners(owner, data.owners, state.get('owner') ?? '');
      const pages = Math.max(1, Math.ceil(data.total / data.pageSize));
      summary.textContent = `${plural(data.total, 'credential')} · page ${data.page} of ${pages}`;
      replace(
        results,
        table(data, state, (sort) => {
          const order = state.get('sort') === sort && state.get('order') !== 'desc' ? 'desc' : 'asc';
          state.set('sort', sort);
          state.set('order', order);
          state.delete('page');
          void load().then(() =>
            results.querySelector<HTMLButtonElement>(`button[data-sort="${sort}"]`)?.focus(),
          );
        }),
      );
      previous.disabled = data.page <= 1;
      next.disabled = data.page >= pages;
    } catch (error) {
      if (signal.aborted || mine !== sequence) return;
      summary.textContent = '';
      replace(
        results,
        errorMessage(error, () => void load()),
      );
      previous.disabled = true;
      next.disabled = true;
    } finally {
      if (mine === sequence) results.removeAttribute('aria-busy');
    }
  };

  const setFilter = (name: string, value: string) => {
    if (value) state.set(name, value);
    else state.delete(name);
    state.delete('page');
    void load();
  };
  status.addEventListener('change', () => setFilter('status', status.value));
  owner.addEventListener('change', () => setFilter('owner', owner.value));
  managed.addEventListener('change', () => setFilter('managed', managed.value));
  let typing: number | undefined;
  search.addEventListener('input', () => {
    window.clearTimeout(typing);
    typing = window.setTimeout(() => setFilter('q', search.value.trim()), 300);
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    window.clearTimeout(typing);
    setFilter('q', search.value.trim());
  });
  const turn = (by: number) => {
    const page = Math.max(1, (Number(state.get('page') ?? '1') || 1) + by);
    state.set('page', String(page));
    void load();
  };
  previous.addEventListener('click', () => turn(-1));
  next.addEventListener('click', () => turn(1));
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    exportStatus.textContent = 'Preparing the CSV…';
    try {
      await download('credentials', apiParams({ format: 'csv' }), 'credentials.csv');
      exportStatus.textContent = 'The CSV was downloaded.';
    } catch (error) {
      exportStatus.replaceChildren(errorMessage(error));
    } finally {
      exportButton.disabled = false;
    }
  });

  await load();
}

function showOwners(control: HTMLSelectElement, owners: string[], selected: string): void {
  const wanted = [...new Set([...owners, ...(selected ? [selected] : [])])].sort();
  const shown = [...control.options].slice(1).map((option) => option.value);
  if (shown.join('\n') === wanted.join('\n')) return;
  control.replaceChildren(h('option', { value: '' }, 'All owners'));
  for (const id of wanted) {
    const option = h('option', { value: id }, id);
    if (id === selected) option.selected = true;
    control.appendChild(option);
  }
}

function table(data: CredentialPage, state: URLSearchParams, sortBy: (sort: string) => void): HTMLElement {
  const sort = state.get('sort') ?? 'endDateTime';
  const order = state.get('order') === 'desc' ? 'descending' : 'ascending';
  const head = CREDENTIAL_COLUMNS.map((column) => {
    if (!column.sort) return h('th', { scope: 'col' }, column.label);
    const button = h('button', { type: 'button', class: 'sort', 'data-sort': column.sort }, column.label);
    button.addEventListener('click', () => sortBy(column.sort!));
    return h('th', { scope: 'col', 'aria-sort': column.sort === sort ? order : 'none' }, button);
  });
  const body =
    data.items.length === 0
      ? [
          h(
            'tr',
            {},
            h(
              'td',
              { colspan: CREDENTIAL_COLUMNS.length, class: 'empty' },
              'No credential matches these filters.',
            ),
          ),
        ]
      : data.items.map((credential) =>
          h(
            'tr',
            { 'data-key-id': credential.keyId, 'data-status': credential.status },
            ...CREDENTIAL_COLUMNS.map((column) => cell(column.label, column.cell(credential), column.key)),
          ),
        );
  return scrollTable(
    'Credentials',
    h('table', { class: 'data credentials' }, h('thead', {}, h('tr', {}, ...head)), h('tbody', {}, ...body)),
  );
}
