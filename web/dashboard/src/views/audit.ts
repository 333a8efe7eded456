import { getJson } from '../api.js';
import { auditTable } from '../audit-table.js';
import { field, h, replace, select } from '../dom.js';
import { empty, errorMessage } from '../messages.js';
import { type Route, replaceParams } from '../router.js';
import type { AuditPage } from '../types.js';

/**
 * Audit feed: newest first, filtered by kind, severity, app and out-of-band, paged with the audit
 * query's continuation token (kept in a stack, so "Newer" goes back without asking twice for a token).
 */
const KINDS = [
  'CredentialExpiring',
  'CredentialRotated',
  'CredentialRemoved',
  'StillInUse',
  'RotationFailed',
  'OutOfBandChange',
  'RotationRequested',
  'CredentialChange',
  'ApplicationChange',
  'CertificateNewVersionCreated',
  'CertificateNearExpiry',
  'CertificateExpired',
  'SecretNewVersionCreated',
  'SecretNearExpiry',
  'SecretExpired',
];

export async function renderAudit(main: HTMLElement, route: Route, signal: AbortSignal): Promise<void> {
  const state = new URLSearchParams();
  for (const name of ['kind', 'severity', 'appId', 'outOfBand', 'pageSize']) {
    const value = route.params.get(name);
    if (value) state.set(name, value);
  }
  const kind = h('input', { type: 'text', name: 'kind', list: 'audit-kinds', autocomplete: 'off' });
  kind.value = state.get('kind') ?? '';
  const kinds = h('datalist', { id: 'audit-kinds' }, ...KINDS.map((k) => h('option', { value: k })));
  const severity = select(
    'severity',
    [
      ['', 'Any severity'],
      ['info', 'Info'],
      ['warning', 'Warning'],
      ['critical', 'Critical'],
    ],
    state.get('severity') ?? '',
  );
  const app = h('input', { type: 'text', name: 'appId', autocomplete: 'off', placeholder: 'App id' });
  app.value = state.get('appId') ?? '';
  const outOfBand = h('input', { type: 'checkbox', name: 'outOfBand' });
  outOfBand.checked = state.get('outOfBand') === 'true';
  const apply = h('button', { type: 'submit' }, 'Apply filters');
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit feed' },
    field('Kind', kind),
    kinds,
    field('Severity', severity),
    field('App id', app),
    h(
      'div',
      { class: 'field check' },
      outOfBand,
      h('label', { for: 'f-out-of-band' }, 'Out-of-band changes only'),
    ),
    h('div', { class: 'field actions' }, apply),
  );
  outOfBand.id = 'f-out-of-band';
  const summary = h('p', { class: 'meta', role: 'status', 'aria-live': 'polite' }, 'Loading the audit feed…');
  const results = h('div', { class: 'results' });
  const newer = h('button', { type: 'button' }, 'Newer');
  const older = h('button', { type: 'button' }, 'Older');
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' }, newer, older);
  replace(main, h('h2', { class: 'view-title' }, 'Audit feed'), form, summary, results, pager);

  // tokens[i] is the continuation token of page i + 1 (page 1 has none).
  let tokens: Array<string | null> = [null];
  let page = 0;
  let nextToken: string | null = null;
  let sequence = 0;

  const load = async () => {
    const mine = ++sequence;
    replaceParams('audit', state);
    results.setAttribute('aria-busy', 'true');
    summary.textContent = 'Loading the audit feed…';
    try {
      const data = await getJson<AuditPage>('audit', {
        kind: state.get('kind'),
        severity: state.get('severity'),
        appId: state.get('appId'),
        outOfBand: state.get('outOfBand'),
        pageSize: state.get('pageSize') ?? 50,
        continuationToken: tokens[page],
      });
      if (signal.aborted || mine !== sequence) return;
      nextToken = data.continuationToken;
      summary.textContent = `Page ${page + 1} · ${data.items.length} records${nextToken ? ' · older records follow' : ''}`;
      replace(
        results,
        data.items.length > 0
          ? auditTable('Audit records', data.items, true)
          : empty('No audit record matches these filters.'),
      );
      results.dataset.page = String(page + 1);
      newer.disabled = page === 0;
      older.disabled = nextToken === null;
    } catch (error) {
      if (signal.aborted || mine !== sequence) return;
      summary.textContent = '';
      replace(
        results,
        errorMessage(error, () => void load()),
      );
      newer.disabled = page === 0;
      older.disabled = true;
    } finally {
      if (mine === sequence) results.removeAttribute('aria-busy');
    }
  };

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const values: Record<string, string> = {
      kind: kind.value.trim(),
      severity: severity.value,
      appId: app.value.trim(),
      outOfBand: outOfBand.checked ? 'true' : '',
    };
    for (const [name, value] of Object.entries(values)) {
      if (value) state.set(name, value);
      else state.delete(name);
    }
    tokens = [null];
    page = 0;
    void load();
  });
  severity.addEventListener('change', () => form.requestSubmit());
  outOfBand.addEventListener('change', () => form.requestSubmit());
  older.addEventListener('click', () => {
    if (!nextToken) return;
    tokens[page + 1] = nextToken;
    page += 1;
    void load();
  });
  newer.addEventListener('click', () => {
    if (page === 0) return;
    page -= 1;
    void load();
  });
  await load();
}
