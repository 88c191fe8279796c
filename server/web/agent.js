// The agent page: one box for whatever the customer sent, the causes ranked by /v1/diagnose, the
// codes as /v1/codes reads them, and /v1/search with facets and pages in a second tab. The query and
// its filters are the page's address, so a case can be bookmarked, shared and opened from a ticket.
import { api, query } from './api.js';
import { initFrame } from './frame.js';
import { h, snippet, textBlock, byId, fill, percent } from './dom.js';
import { t, tx, setAnswerLanguage } from './i18n.js';

const PAGE_SIZE = 10;
const MAX_PAGE = 100;            // the API pages up to offset 1000
const MAX_CODE_LOOKUPS = 4;
// The server refuses request lines over 8 KB: a longer paste goes in the address's fragment instead.
const MAX_ADDRESS_QUERY = 4000;
const OUTCOMES = ['resolved', 'not_resolved', 'not_relevant'];
const FACETS = [['kind', 'kind'], ['vendor', 'vendor'], ['product', 'product'], ['language', 'lang'], ['severity', null]];

const form = byId('case-form');
let runs = 0;  // a newer query makes the answers of older ones stale
let offersReply = null;  // whether /v1/diagnose drafts replies: read once from the API's own document
let current = null;

// ---- the address ------------------------------------------------------------------------------

function readAddress() {
  const fragment = new URLSearchParams(location.hash.slice(1));
  const source = fragment.has('q') ? fragment : new URLSearchParams(location.search);
  const page = Number.parseInt(source.get('page'), 10);
  return {
    q: source.get('q') || '',
    vendor: source.get('vendor') || '',
    product: source.get('product') || '',
    lang: source.get('lang') || '',
    kind: source.get('kind') || '',
    tab: source.get('tab') === 'search' ? 'search' : 'causes',
    page: Number.isInteger(page) ? Math.min(Math.max(page, 1), MAX_PAGE) : 1,
  };
}

function address(p) {
  const text = query({ q: p.q, vendor: p.vendor, product: p.product, lang: p.lang, kind: p.kind,
    tab: p.tab === 'search' ? 'search' : '', page: p.page > 1 ? p.page : '' });
  return text.length > MAX_ADDRESS_QUERY ? `/#${text.slice(1)}` : `/${text}`;
}

function go(params, { push = true, focus = false } = {}) {
  const target = address(params);
  if (push && target !== location.pathname + location.search + location.hash) history.pushState(null, '', target);
  run(params, focus);
}

function fillForm(p) {
  for (const name of ['q', 'vendor', 'product', 'lang']) form.elements[name].value = p[name];
}

// ---- running a case ---------------------------------------------------------------------------

function status(key, args) {
  byId('status').replaceChildren(key ? h('span', tx(key, args)) : '');
}

function showError(where, error) {
  const key = error.code === 'missing_key' || error.code === 'invalid_key' ? 'error.key_needed' : 'error.generic';
  fill(where, h('p', { class: 'error', role: 'alert', ...tx(key, { detail: error.message }) }));
}

async function run(params, focus) {
  const ticket = ++runs;
  current = { params, diagnosis: null, lookups: [], search: null };
  fillForm(params);
  selectTab(params.tab, false);
  if (!params.q.trim()) {
    byId('results').hidden = true;
    status('');
    return;
  }
  status('status.working');
  offersReply ??= api('/v1/openapi.json').then(
    (doc) => Boolean(doc.components?.schemas?.DiagnoseRequest?.properties?.reply), () => false);
  const diagnosis = offersReply.then((reply) => api('/v1/diagnose', { method: 'POST', body: {
    text: params.q, vendor: params.vendor || undefined, product: params.product || undefined,
    language: params.lang || undefined, limit: 5, reply: reply || undefined } }));
  const search = api(`/v1/search${query({ q: params.q, vendor: params.vendor, product: params.product, lang: params.lang,
    kind: params.kind, limit: PAGE_SIZE, offset: (params.page - 1) * PAGE_SIZE })}`);
  search.catch(() => {});  // its error is shown when it is awaited below

  let answer;
  try {
    answer = await diagnosis;
  } catch (error) {
    if (ticket !== runs) return;
    byId('results').hidden = false;
    showError(byId('status'), error);
    clearCauses();
    await showSearch(ticket, search, params);
    return;
  }
  const lookups = await Promise.all(answer.codes.slice(0, MAX_CODE_LOOKUPS).map((occurrence) =>
    api(`/v1/codes/${encodeURIComponent(occurrence.raw)}${query({ vendor: params.vendor })}`).catch(() => null)));
  if (ticket !== runs) return;
  setAnswerLanguage(answer.answer_language || answer.language);
  byId('results').hidden = false;
  renderDiagnosis(answer, lookups);
  status('status.done', { causes: answer.causes.length, codes: answer.codes.length });
  await showSearch(ticket, search, params);
  if (focus && ticket === runs) byId('results').focus();
}

async function showSearch(ticket, search, params) {
  try {
    const result = await search;
    if (ticket === runs) renderSearch(result, params);
  } catch (error) {
    if (ticket !== runs) return;
    fill(byId('hits'));
    fill(byId('facets'));
    fill(byId('pager'));
    showError(byId('search-summary'), error);
  }
}

// ---- the diagnosis ----------------------------------------------------------------------------

function clearCauses() {
  for (const id of ['ask', 'reply', 'codes', 'answer-note', 'causes']) fill(byId(id));
}

function renderDiagnosis(d, lookups) {
  renderAsk(d.ask, d.causes);
  renderReply(d.reply);
  renderCodes(d.codes, lookups);
  renderAnswerNote(d);
  const list = byId('causes');
  if (d.language) list.lang = d.language;
  fill(list, d.causes.map((cause, i) => causeCard(cause, i, d.diagnosis_id)));
}

function renderAsk(ask, causes) {
  const rank = new Map(causes.map((c, i) => [c.id, i + 1]));
  const pointsTo = (ids) => ids.map((id) => (rank.has(id) ? `#${rank.get(id)}` : id)).join(', ');
  fill(byId('ask'), ask.length > 0 && [
    h('h2', { id: 'ask-title', ...tx('ask.title') }),
    h('ol', { class: 'questions' }, ask.map((q) => h('li', {},
      h('p', { class: 'question', text: q.question }),
      q.answers?.length > 0 && h('ul', { class: 'answers' }, q.answers.map((a) => h('li', {},
        h('strong', { text: a.answer }), ' → ',
        a.cause_ids?.length ? h('span', tx('ask.causes', { causes: pointsTo(a.cause_ids) })) : h('span', tx('ask.none'))))),
      q.reason && h('p', { class: 'reason' }, h('span', { class: 'label', ...tx('ask.points_to') }), ' ', q.reason),
      typeof q.split === 'number' && h('p', { class: 'split', ...tx('ask.split', { p: percent(q.split) }) })))),
  ]);
}

// The API may offer a reply draft (a string, or an object with `text`): shown only when it does.
function renderReply(reply) {
  const text = typeof reply === 'string' ? reply : reply && typeof reply.text === 'string' ? reply.text : '';
  if (!text) return fill(byId('reply'));
  const box = h('textarea', { id: 'reply-text', readOnly: true, rows: Math.min(14, text.split('\n').length + 1), text });
  const done = h('span', { class: 'copy-status', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      box.select();
      if (!document.execCommand('copy')) return done.replaceChildren(h('span', tx('reply.copy_failed')));
    }
    done.replaceChildren(h('span', tx('reply.copied')));
  };
  fill(byId('reply'), [
    h('h2', { id: 'reply-title', ...tx('reply.title') }),
    h('label', { for: 'reply-text', class: 'visually-hidden', ...tx('reply.label') }), box,
    h('div', { class: 'actions' }, h('button', { type: 'button', id: 'reply-copy', onclick: copy, ...tx('reply.copy') }), done),
  ]);
}

function renderCodes(occurrences, lookups) {
  fill(byId('codes'), occurrences.length > 0 && [
    h('h2', { id: 'codes-title', ...tx('codes.title') }),
    h('ul', { class: 'code-list' }, occurrences.map((o, i) => codeItem(o, lookups[i]))),
  ]);
}

function codeItem(occurrence, lookup) {
  const readings = lookup?.interpretations?.length ? lookup.interpretations : occurrence.interpretations;
  const entries = lookup?.catalogue_entries || [];
  return h('li', { class: 'code' },
    h('p', { class: 'found', ...tx('codes.found', { raw: occurrence.raw }) }),
    h('ul', { class: 'readings' }, readings.map(reading)),
    entries.length > 0 && h('div', { class: 'catalogue' },
      h('h3', tx('codes.catalogue')),
      h('ul', {}, entries.map((e) => h('li', {},
        link(e.url, e.title), e.snippet && h('p', { class: 'snippet' }, snippet(e.snippet)))))));
}

function reading(r) {
  const parts = Object.entries(r.parts || {}).map(([name, value]) => `${name} ${value}`).join(' · ');
  return h('li', { class: 'reading' },
    h('code', { class: 'canonical', text: r.canonical }), ' ',
    h('span', { class: 'family', text: r.family }),
    r.name && [' ', h('strong', { text: r.name })],
    r.message && [' — ', h('span', { text: r.message })],
    parts && h('span', { class: 'parts', text: parts }),
    h('span', { class: 'certainty', ...tx(r.certain ? 'codes.certain' : 'codes.maybe') }),
    h('span', { class: 'share', text: percent(r.confidence) }));
}

// What the confidence honestly says: the causes' confidences share one whole between them.
function confidenceLevel(confidence) {
  if (confidence >= 0.5) return 'likely';
  if (confidence >= 0.15) return 'possible';
  if (confidence >= 0.05) return 'less_likely';
  return 'unlikely';
}

// The whole answer's state: none, only a catalogue's meaning, or no cause standing out. The API says
// so itself (`answered`, `no_answer_reason`, `answer_note`); without those fields, the gaps report's thresholds.
function renderAnswerNote(d) {
  const note = byId('answer-note');
  const top = d.causes[0];
  const key = !top ? 'answer.none' : top.catalogue_only ? 'answer.catalogue'
    : (d.answered === undefined ? top.confidence < 0.3 : !d.answered) ? 'answer.weak' : '';
  note.className = `answer-note ${top ? 'weak' : 'none'}`;
  fill(note, key && h('span', tx(key)), key && (d.no_answer_reason || d.answer_note) && h('span', { class: 'api-reason', text: ` ${d.no_answer_reason || d.answer_note}` }),
    d.language_note && h('span', { class: 'language-note', text: ` ${d.language_note}` }));
}

function section(titleKey, content, args) {
  if (!content) return null;
  return h('section', { class: 'part' }, h('h4', tx(titleKey, args)), content);
}

function causeCard(cause, index, diagnosisId) {
  const id = `cause-${index + 1}`;
  const level = confidenceLevel(cause.confidence);
  const fillBar = h('span', { class: 'bar-fill' });
  fillBar.style.width = `${Math.max(2, Math.round(cause.confidence * 100))}%`;  // CSSOM: allowed by the CSP
  const word = { word: `@confidence.${level}`, p: percent(cause.confidence) };
  const where = [cause.vendor, cause.product].filter(Boolean).join(' · ');
  return h('li', { class: `cause level-${level}`, id, 'aria-labelledby': `${id}-title` },
    h('div', { class: 'cause-head' },
      h('h3', { id: `${id}-title` }, h('span', { class: 'rank', text: `${index + 1}. ` }), cause.title),
      h('div', { class: 'confidence' },
        h('span', { class: 'bar', 'aria-hidden': 'true' }, fillBar),
        h('span', { class: 'confidence-word', ...tx('confidence.label', word) }))),
    where && h('p', { class: 'meta', text: where }),
    cause.catalogue_only && h('p', { class: 'badge catalogue-only', ...tx('cause.catalogue_only') }),
    cause.cause && textBlock(cause.cause),
    section('cause.checks', checklist(cause.checks, id)),
    section('cause.resolutions', resolutions(cause.resolutions)),
    section('cause.prevention', cause.prevention && textBlock(cause.prevention)),
    evidence(cause.evidence, index === 0),
    why(cause.why),
    feedback(cause, diagnosisId, id));
}

function checklist(checks, id) {
  if (!checks?.length) return null;
  return h('ul', { class: 'checklist' }, checks.map((check, i) => h('li', {},
    h('input', { type: 'checkbox', id: `${id}-check-${i + 1}` }),
    h('label', { for: `${id}-check-${i + 1}`, text: check }))));
}

// Alternatives side by side; a numbered resolution keeps its steps.
function resolutions(list) {
  if (!list?.length) return null;
  if (list.length === 1) return textBlock(list[0]);
  return h('div', { class: 'alternatives' }, list.map((text, i) =>
    h('div', { class: 'alternative' }, h('h5', tx('cause.option', { n: i + 1 })), textBlock(text))));
}

function link(url, text) {
  return /^https?:\/\//.test(url || '')
    ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer', text })
    : h('span', { class: 'title', text });
}

function evidence(items, open) {
  if (!items?.length) return null;
  return h('details', { class: 'evidence', open },
    h('summary', tx('cause.evidence', { n: items.length })),
    h('ul', {}, items.map((e) => h('li', {},
      h('span', { class: `kind kind-${e.kind}`, ...tx(`kind.${e.kind}`) }), ' ', link(e.url, e.title),
      e.snippet && h('p', { class: 'snippet' }, snippet(e.snippet))))));
}

function why(factors) {
  if (!factors?.length) return null;
  return h('details', { class: 'why' },
    h('summary', tx('cause.why')),
    h('ul', {}, factors.map((f) => h('li', {}, h('span', tx(`why.${f.factor}`)), f.detail && [': ', f.detail]))));
}

function feedback(cause, diagnosisId, id) {
  const note = h('textarea', { id: `${id}-note`, rows: 2, maxLength: 4096 });
  const said = h('p', { class: 'feedback-status', role: 'status' });
  const buttons = OUTCOMES.map((outcome) => h('button', {
    type: 'button', class: `outcome ${outcome}`, 'data-outcome': outcome, 'aria-pressed': 'false',
    onclick: () => send(outcome), ...tx(`feedback.${outcome}`) }));
  async function send(outcome) {
    for (const b of buttons) b.disabled = true;
    said.replaceChildren(h('span', tx('feedback.sending')));
    try {
      await api('/v1/feedback', { method: 'POST', body: {
        diagnosis_id: diagnosisId, cause_id: cause.id, outcome, note: note.value.trim() || undefined } });
      buttons[OUTCOMES.indexOf(outcome)].setAttribute('aria-pressed', 'true');
      said.replaceChildren(h('span', { class: 'recorded', ...tx('feedback.recorded', { outcome: `@feedback.${outcome}` }) }));
    } catch (error) {
      for (const b of buttons) b.disabled = false;
      said.replaceChildren(h('span', { class: 'error', ...tx('feedback.failed', { detail: error.message }) }));
    }
  }
  return h('div', { class: 'feedback', role: 'group', 'aria-labelledby': `${id}-feedback` },
    h('h4', { id: `${id}-feedback`, ...tx('feedback.title') }),
    h('div', { class: 'feedback-buttons' }, buttons),
    h('label', { for: note.id, ...tx('feedback.note') }), note, said);
}

// ---- the search tab ---------------------------------------------------------------------------

function renderSearch(result, params) {
  byId('tab-search').replaceChildren(h('span', tx('tab.search_count', { n: result.total })));
  const summary = byId('search-summary');
  const range = result.total === 0 ? h('span', tx('search.none'))
    : h('span', tx('search.range', { from: (params.page - 1) * PAGE_SIZE + 1,
      to: (params.page - 1) * PAGE_SIZE + result.hits.length, total: result.total }));
  fill(summary, range, result.suggestion && h('span', { class: 'suggestion' }, ' ', h('span', tx('search.suggestion')), ' ',
    h('a', { href: address({ ...params, q: result.suggestion, page: 1 }), onclick: follow, text: result.suggestion })));
  fill(byId('hits'), result.hits.map(hit));
  renderFacets(result.facets || {}, params);
  renderPager(result.total, params);
}

function hit(x) {
  const meta = [x.vendor, x.product, x.language, x.severity].filter(Boolean).join(' · ');
  return h('li', { class: 'hit', lang: x.language || undefined },
    h('h3', {}, link(x.url, x.heading && x.heading !== x.title ? `${x.title} — ${x.heading}` : x.title)),
    h('p', { class: 'meta' }, h('span', { class: `kind kind-${x.kind}`, ...tx(`kind.${x.kind}`) }), meta && ` · ${meta}`),
    x.snippet && h('p', { class: 'snippet' }, snippet(x.snippet)),
    x.codes?.length > 0 && h('p', { class: 'hit-codes' }, x.codes.map((c) => h('code', { text: c }))));
}

// A link inside the page that runs its query without reloading it.
function follow(event) {
  if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
  event.preventDefault();
  const target = new URL(event.currentTarget.href);
  history.pushState(null, '', target.pathname + target.search + target.hash);
  run(readAddress(), true);
}

function renderFacets(facets, params) {
  const groups = FACETS.filter(([name]) => facets[name]?.length).map(([name, param]) => {
    const values = facets[name].map((f) => {
      const label = name === 'kind' ? t(`kind.${f.value}`) : f.value;
      if (!param) return h('li', {}, h('span', { text: `${label} (${f.count})` }));
      const active = params[param] === f.value;
      return h('li', {}, h('a', {
        href: address({ ...params, [param]: active ? '' : f.value, page: 1 }), onclick: follow,
        'aria-current': active ? 'true' : undefined, class: active ? 'active' : undefined,
        'data-facet': name, 'data-value': f.value, text: `${label} (${f.count})` }));
    });
    return h('div', { class: 'facet' }, h('h3', tx(`facet.${name}`)), h('ul', {}, values));
  });
  fill(byId('facets'), groups.length > 0 && [h('h2', { id: 'facets-title', ...tx('search.facets') }), ...groups]);
}

function renderPager(total, params) {
  const pages = Math.min(MAX_PAGE, Math.ceil(total / PAGE_SIZE));
  if (pages <= 1) return fill(byId('pager'));
  const to = (page) => address({ ...params, tab: 'search', page });
  fill(byId('pager'),
    params.page > 1 && h('a', { href: to(params.page - 1), rel: 'prev', onclick: follow, ...tx('search.prev') }),
    h('span', { class: 'page', ...tx('search.page', { page: params.page, pages }) }),
    params.page < pages && h('a', { href: to(params.page + 1), rel: 'next', onclick: follow, ...tx('search.next') }));
}

// ---- tabs -------------------------------------------------------------------------------------

const TABS = ['causes', 'search'];

function selectTab(name, focus) {
  for (const tab of TABS) {
    const button = byId(`tab-${tab}`);
    const selected = tab === name;
    button.setAttribute('aria-selected', String(selected));
    button.tabIndex = selected ? 0 : -1;
    byId(`panel-${tab}`).hidden = !selected;
    if (selected && focus) button.focus();
  }
  if (current) current.params.tab = name;
}

function initTabs() {
  byId('tab-search').replaceChildren(h('span', tx('tab.search')));
  for (const tab of TABS) {
    byId(`tab-${tab}`).addEventListener('click', () => {
      selectTab(tab, false);
      if (current) history.replaceState(null, '', address(current.params));
    });
  }
  byId('results').querySelector('[role=tablist]').addEventListener('keydown', (event) => {
    const at = TABS.findIndex((tab) => byId(`tab-${tab}`) === document.activeElement);
    const step = { ArrowRight: 1, ArrowLeft: -1, Home: -at, End: TABS.length - 1 - at }[event.key];
    if (at < 0 || step === undefined) return;
    event.preventDefault();
    const next = TABS[(at + step + TABS.length) % TABS.length];
    selectTab(next, true);
    if (current) history.replaceState(null, '', address(current.params));
  });
}

// ---- start ------------------------------------------------------------------------------------

form.addEventListener('submit', (event) => {
  event.preventDefault();
  const data = new FormData(form);
  const tab = current?.params.tab || 'causes';
  go({ q: data.get('q'), vendor: data.get('vendor').trim(), product: data.get('product').trim(), lang: data.get('lang'),
    kind: '', tab, page: 1 }, { focus: true });
});
form.elements.q.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    form.requestSubmit();
  }
});
window.addEventListener('popstate', () => run(readAddress(), false));

initFrame();
initTabs();
run(readAddress(), false);
