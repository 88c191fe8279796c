// The KB editors' page: what the KB lacks (/v1/gaps), the open index (/v1/admin/index), and
// reindex jobs started and watched to their report (/v1/admin/reindex, /v1/admin/jobs/{id}).
import { api, query } from './api.js';
import { initFrame } from './frame.js';
import { h, byId, fill, percent, bytes } from './dom.js';
import { t, tx } from './i18n.js';

const JOB_POLL_MS = 400;
const REPORT_FIELDS = ['files_seen', 'files_skipped', 'items_added', 'items_updated', 'items_removed', 'items_unchanged',
  'items_kept_after_error', 'files_rejected', 'passages_written', 'elapsed_ms', 'revision'];

function showError(where, error) {
  const key = error.code === 'missing_key' || error.code === 'invalid_key' ? 'error.key_needed' : 'error.generic';
  fill(where, h('p', { class: 'error', role: 'alert', ...tx(key, { detail: error.message }) }));
}

const row = (labelKey, ...value) => [h('dt', tx(labelKey)), h('dd', {}, ...value)];
const counts = (map) => h('ul', { class: 'counts' },
  Object.entries(map || {}).map(([name, n]) => h('li', {}, h('span', { class: 'name', text: name }), ' ', h('span', { text: String(n) }))));

// ---- the index --------------------------------------------------------------------------------

async function loadIndex() {
  const where = byId('index-info');
  try {
    const info = await api('/v1/admin/index');
    const kinds = Object.fromEntries(Object.entries(info.passages?.by_kind || {}).map(([k, n]) => [t(`kind.${k}`), n]));
    fill(where, h('dl', { class: 'facts' },
      row('index.revision', h('span', { id: 'index-revision', text: String(info.revision) })),
      row('index.passages', String(info.documents)),
      row('index.by_kind', counts(kinds)),
      row('index.by_language', counts(info.passages?.by_language)),
      row('index.size', bytes(info.size_bytes)),
      row('index.changed', h('time', { datetime: info.changed, text: new Date(info.changed).toLocaleString(document.documentElement.lang) })),
      row('index.schema', String(info.schema_version)),
      row('index.warm', h('span', tx(info.warm ? 'index.warm_yes' : 'index.warm_no'))),
      row('index.path', h('code', { text: info.path }))));
  } catch (error) {
    showError(where, error);
  }
}

// ---- reindex jobs -----------------------------------------------------------------------------

async function start(mode) {
  const where = byId('job');
  try {
    const job = await api('/v1/admin/reindex', { method: 'POST', body: { mode } });
    watch(job.id);
  } catch (error) {
    if (error.code === 'reindex_running') fill(where, h('p', { class: 'error', role: 'alert', ...tx('reindex.running') }));
    else showError(where, error);
  }
}

const finished = (job) => job.state === 'succeeded' || job.state === 'failed';
const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

// Polls the job until it ends; its id is in the address, so a reload goes on watching it.
async function watch(id) {
  history.replaceState(null, '', `/editor${query({ job: id })}`);
  for (;;) {
    let job;
    try {
      job = await api(`/v1/admin/jobs/${encodeURIComponent(id)}`);
    } catch (error) {
      showError(byId('job'), error);
      return;
    }
    renderJob(job);
    if (finished(job)) break;
    await pause(JOB_POLL_MS);
  }
  loadIndex();
}

function renderJob(job) {
  const p = job.progress || {};
  const bar = h('progress', { id: 'job-progress', max: Math.max(1, p.files_total || 0), value: finished(job) ? Math.max(1, p.files_total || 0) : p.files_done || 0 });
  fill(byId('job'),
    h('h3', tx('job.title', { id: job.id, mode: `@mode.${job.mode}` })),
    h('p', {}, h('span', tx('job.state')), ': ', h('strong', { id: 'job-state', class: `state-${job.state}`, 'data-state': job.state, ...tx(`job.state.${job.state}`) })),
    h('label', { for: 'job-progress', ...tx('job.progress') }), bar,
    h('p', { class: 'help' },
      h('span', tx('job.files', { done: p.files_done || 0, total: p.files_total || 0 })), ' · ',
      h('span', tx('job.passages', { n: p.passages_written || 0 }))),
    !finished(job) && p.current && h('p', { class: 'help' }, h('span', tx('job.current', { path: p.current }))),
    job.error && h('p', { class: 'error', role: 'alert', text: job.error }),
    job.report && report(job.report));
}

function report(r) {
  const errors = r.errors || [];
  return h('div', { class: 'report', id: 'job-report' },
    h('h4', tx('job.report')),
    h('dl', { class: 'facts' }, REPORT_FIELDS.filter((f) => f in r).flatMap((f) => row(`report.${f}`, String(r[f])))),
    h('h4', tx('report.errors')),
    errors.length === 0 ? h('p', tx('report.no_errors'))
      : h('ul', { class: 'rejected' }, errors.map((e) => h('li', {}, h('code', { text: `${e.path}:${e.line}: ${e.message}` })))));
}

// ---- gaps -------------------------------------------------------------------------------------

const searchLink = (q) => h('a', { href: `/${query({ q, tab: 'search' })}`, text: q });

function table(captionKey, columns, rows) {
  if (rows.length === 0) return [h('h3', tx(captionKey)), h('p', { class: 'help', ...tx('gaps.none') })];
  return [h('h3', { id: `${captionKey}-title`, ...tx(captionKey) }),
    h('div', { class: 'table-wrap' }, h('table', { 'aria-labelledby': `${captionKey}-title` },
      h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col', ...tx(c) })))),
      h('tbody', {}, rows)))];
}

async function loadGaps() {
  const where = byId('gaps');
  try {
    const gaps = await api('/v1/gaps?limit=50');
    fill(where,
      table('gaps.queries', ['gaps.query', 'gaps.count', 'gaps.best', 'gaps.reason'], (gaps.queries || []).map((g) =>
        h('tr', { class: 'gap-query' }, h('td', {}, searchLink(g.query)), h('td', { text: String(g.count) }),
          h('td', { text: g.best_confidence > 0 ? percent(g.best_confidence) : '—' }),
          h('td', tx(`reason.${g.reason}`))))),
      table('gaps.causes', ['gaps.cause', 'gaps.count', 'gaps.last_query', 'gaps.reason'], (gaps.causes || []).map((g) =>
        h('tr', { class: 'gap-cause' }, h('td', {}, h('code', { text: g.cause_id })), h('td', { text: String(g.count) }),
          h('td', {}, g.last_query && searchLink(g.last_query)), h('td', tx(`reason.${g.reason}`))))));
  } catch (error) {
    showError(where, error);
  }
}

// ---- start ------------------------------------------------------------------------------------

initFrame();
for (const button of [byId('start-update'), byId('start-rebuild')]) {
  button.addEventListener('click', () => start(button.dataset.mode));
}
byId('index-refresh').addEventListener('click', loadIndex);
byId('gaps-refresh').addEventListener('click', loadGaps);

const job = new URLSearchParams(location.search).get('job');
await loadIndex();
loadGaps();
if (job) watch(job);
