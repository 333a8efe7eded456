import './dashboard.css';
import { dashboardPath } from './api.js';
import { account, initAuth, signIn, signOut } from './auth.js';
import { h, replace } from './dom.js';
import { errorMessage } from './messages.js';
import { DEFAULT_VIEW, isRouteHash, parseHash, type Route } from './router.js';
import { renderApp } from './views/app.js';
import { renderAudit } from './views/audit.js';
import { renderCredentials } from './views/credentials.js';
import { renderOverview } from './views/overview.js';
import { renderTimeline } from './views/timeline.js';

type View = (main: HTMLElement, route: Route, signal: AbortSignal) => Promise<void>;

const VIEWS: Record<string, { title: string; render: View }> = {
  overview: { title: 'Overview', render: renderOverview },
  timeline: { title: 'Expiry timeline', render: renderTimeline },
  credentials: { title: 'Credentials', render: renderCredentials },
  apps: { title: 'Application', render: renderApp },
  audit: { title: 'Audit feed', render: renderAudit },
};

const main = document.getElementById('view') as HTMLElement;
let current: AbortController | undefined;

function markNavigation(view: string): void {
  const nav = view === 'apps' ? 'credentials' : view;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('[data-nav]')) {
    if (link.dataset.nav === nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
}

async function show(moveFocus: boolean): Promise<void> {
  if (!isRouteHash(window.location.hash)) return;
  current?.abort();
  const controller = new AbortController();
  current = controller;
  const route = parseHash(window.location.hash);
  const view = VIEWS[route.view] ?? VIEWS[DEFAULT_VIEW]!;
  document.title = `${view.title} · Gateway credentials`;
  markNavigation(route.view in VIEWS ? route.view : DEFAULT_VIEW);
  const hash = window.location.hash;
  replace(main);
  delete main.dataset.ready;
  if (moveFocus) main.focus();
  try {
    await view.render(main, route, controller.signal);
  } catch (error) {
    if (!controller.signal.aborted)
      replace(
        main,
        errorMessage(error, () => void show(false)),
      );
  }
  // Which route the view finished drawing (data or message): what the browser tests wait for.
  if (!controller.signal.aborted) main.dataset.ready = hash;
}

function showSignedOut(): void {
  const button = h('button', { type: 'button', id: 'sign-in', class: 'primary' }, 'Sign in');
  button.addEventListener('click', () => void signIn());
  replace(
    main,
    h(
      'section',
      { class: 'panel signin' },
      h('h2', {}, 'Sign in'),
      h('p', {}, 'Sign in with your Microsoft Entra ID account to see the gateway credentials.'),
      button,
    ),
  );
}

async function loadConfig(): Promise<unknown> {
  const response = await fetch(`${dashboardPath()}/config`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`config answered ${response.status}`);
  return response.json();
}

async function boot(): Promise<void> {
  document.querySelector('.skip')?.addEventListener('click', (event) => {
    event.preventDefault();
    main.focus();
  });
  try {
    await initAuth((await loadConfig()) as Parameters<typeof initAuth>[0]);
  } catch {
    replace(
      main,
      h(
        'div',
        { class: 'error', role: 'alert' },
        h(
          'p',
          {},
          'The dashboard could not start: its sign-in configuration is not available. Try again later.',
        ),
      ),
    );
    return;
  }
  const user = account();
  if (!user) {
    showSignedOut();
    return;
  }
  const who = document.getElementById('account');
  if (who) who.textContent = user.username;
  const out = document.getElementById('sign-out');
  if (out) {
    out.hidden = false;
    out.addEventListener('click', () => void signOut());
  }
  if (!window.location.hash.startsWith('#/')) history.replaceState(null, '', `#/${DEFAULT_VIEW}`);
  window.addEventListener('hashchange', () => void show(true));
  await show(false);
}

void boot();
