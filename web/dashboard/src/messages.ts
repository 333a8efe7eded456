import { ApiError } from './api.js';
import { signIn } from './auth.js';
import { h } from './dom.js';

/** Loading and error states: a view always shows something, never a blank page. */
export function loading(what: string): HTMLElement {
  return h('p', { class: 'loading', role: 'status' }, `Loading ${what}…`);
}

export function errorMessage(error: unknown, retry?: () => void): HTMLElement {
  const api = error instanceof ApiError ? error : undefined;
  const text = api?.message ?? 'Something went wrong while showing this view. Try again.';
  const box = h('div', { class: 'error', role: 'alert' }, h('p', {}, text));
  if (api?.failure === 'unauthorized') {
    const button = h('button', { type: 'button', class: 'primary' }, 'Sign in');
    button.addEventListener('click', () => void signIn());
    box.appendChild(button);
  } else if (api?.failure === 'forbidden') {
    box.appendChild(
      h(
        'p',
        { class: 'hint' },
        'Ask an administrator to grant your account the Credentials.Read permission.',
      ),
    );
  } else if (retry && api?.failure !== 'not_found' && api?.failure !== 'bad_request') {
    const button = h('button', { type: 'button' }, 'Try again');
    button.addEventListener('click', retry);
    box.appendChild(button);
  }
  return box;
}

export function empty(text: string): HTMLElement {
  return h('p', { class: 'empty' }, text);
}
