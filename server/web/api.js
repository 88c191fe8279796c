// The errkb API v1 client the console uses (and the reference for helpdesk plugins): JSON in and out,
// problem+json errors, and the API key. The key lives in session storage only: it is asked for when
// the server answers 401 (or 403 for a key without the route's scope) and forgotten with the tab.
import { h } from './dom.js';
import { t, tx } from './i18n.js';

const KEY_ITEM = 'errkb.api_key';

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || `http_${status}`;
    this.param = problem.param;
  }
}

export const hasKey = () => Boolean(sessionStorage.getItem(KEY_ITEM));
export function forgetKey() {
  sessionStorage.removeItem(KEY_ITEM);
  document.dispatchEvent(new CustomEvent('errkb:key'));
}

let pendingPrompt = null;  // one dialog for all the requests that need a key at the same time
let dialog = null;

function keyDialog() {
  if (dialog) return dialog;
  const input = h('input', { id: 'key-input', type: 'password', autocomplete: 'off', 'aria-describedby': 'key-kept' });
  dialog = h('dialog', { id: 'key-dialog', class: 'key-dialog', 'aria-labelledby': 'key-title' },
    h('form', { method: 'dialog' },
      h('h2', { id: 'key-title', ...tx('key.title') }),
      h('p', { id: 'key-reason' }),
      h('p', { id: 'key-detail', class: 'help' }),
      h('label', { for: 'key-input', ...tx('key.label') }),
      input,
      h('p', { id: 'key-kept', class: 'help', ...tx('key.kept') }),
      h('div', { class: 'actions' },
        h('button', { value: 'use', class: 'primary', ...tx('key.use') }),
        h('button', { value: 'cancel', formnovalidate: true, ...tx('key.cancel') }))));
  document.body.append(dialog);
  return dialog;
}

// What the dialog says: a refused key says more than a missing one, so it replaces the reason of
// a dialog already open for another request.
const REASONS = { missing_key: 'key.needed', missing_scope: 'key.scope', invalid_key: 'key.invalid' };

function showReason(box, problem) {
  const shown = box.querySelector('#key-reason');
  if (pendingPrompt && shown.dataset.i18n !== 'key.needed') return;
  shown.replaceWith(h('p', { id: 'key-reason', ...tx(REASONS[problem.code] || 'key.needed') }));
  box.querySelector('#key-detail').textContent = problem.detail || '';
}

function askForKey(problem) {
  const box = keyDialog();
  showReason(box, problem);
  if (pendingPrompt) return pendingPrompt;
  const input = box.querySelector('#key-input');
  input.value = '';
  pendingPrompt = new Promise((resolve) => {
    box.addEventListener('close', () => {
      pendingPrompt = null;
      const key = input.value.trim();
      input.value = '';
      const use = box.returnValue === 'use' && key;
      if (use) {
        sessionStorage.setItem(KEY_ITEM, key);
        document.dispatchEvent(new CustomEvent('errkb:key'));
      }
      resolve(Boolean(use));
    }, { once: true });
  });
  box.returnValue = '';
  box.showModal();
  input.focus();
  return pendingPrompt;
}

// The header's "forget the key" button, shown while a key is kept.
export function initKeyButton(button) {
  const show = () => { button.hidden = !hasKey(); };
  button.addEventListener('click', forgetKey);
  document.addEventListener('errkb:key', show);
  show();
}

const needsKey = (status, problem) =>
  status === 401 || (status === 403 && problem.code === 'missing_scope');

// fetch() for the API: resolves to the JSON body of a 2xx answer, rejects with an ApiError.
export async function api(path, { method = 'GET', body } = {}) {
  for (;;) {
    const headers = { Accept: 'application/json' };
    const key = sessionStorage.getItem(KEY_ITEM);
    if (key) headers.Authorization = `Bearer ${key}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(0, { code: 'network', detail: t('error.network') });
    }
    const data = await response.json().catch(() => null);
    if (response.ok) return data;
    const problem = data || { title: response.statusText };
    if (needsKey(response.status, problem)) {
      // A key entered while this request was on its way is tried before anyone is asked again.
      if (sessionStorage.getItem(KEY_ITEM) !== key) continue;
      if (problem.code === 'invalid_key') sessionStorage.removeItem(KEY_ITEM);
      if (await askForKey(problem)) continue;
    }
    throw new ApiError(response.status, problem);
  }
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(name, value);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}
