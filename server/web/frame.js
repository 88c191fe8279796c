// The header both pages share: the brand, the pages, the interface language and the API key.
import { initKeyButton } from './api.js';
import { h } from './dom.js';
import { tx, initLanguagePicker } from './i18n.js';

const PAGES = [['/', 'nav.agent'], ['/editor', 'nav.editor']];
const LANGUAGES = [['en', 'English'], ['ro', 'Română'], ['it', 'Italiano'], ['ru', 'Русский']];

export function initFrame() {
  const picker = h('select', { id: 'ui-lang' },
    h('option', { value: 'auto', ...tx('ui.auto') }),
    LANGUAGES.map(([code, name]) => h('option', { value: code, lang: code, text: name })));
  const forget = h('button', { type: 'button', id: 'forget-key', class: 'quiet', hidden: true, ...tx('key.forget') });
  document.getElementById('top').replaceChildren(
    h('a', { class: 'brand', href: '/', text: 'errkb' }),
    h('nav', { 'data-i18n-label': 'nav.label' },
      PAGES.map(([href, key]) => h('a', { href, 'aria-current': href === location.pathname ? 'page' : undefined, ...tx(key) }))),
    h('div', { class: 'settings' }, h('label', { for: 'ui-lang', ...tx('ui.language') }), picker, forget));
  initLanguagePicker(picker);
  initKeyButton(forget);
}
