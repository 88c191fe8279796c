// DOM helpers. Nothing here parses HTML from strings: the page's Content-Security-Policy forbids it
// (Trusted Types), so API text always becomes text nodes.

// h('a', {href, class: 'x', text: 'label', onclick: fn}, child, ...): an element.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'text') el.textContent = value;
    else if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else if (typeof value !== 'string' && name in el) el[name] = value;
    else el.setAttribute(name, value === true ? '' : value);
  }
  el.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return el;
}

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', '#39': "'", '#x27': "'", apos: "'" };
const unescapeHtml = (s) => s.replace(/&(lt|gt|amp|quot|#39|#x27|apos);/g, (_, e) => ENTITIES[e]);

// A search snippet: matched words in <mark>, every other character HTML-escaped by the API.
export function snippet(text) {
  const out = document.createDocumentFragment();
  let marked = false;
  for (const part of (text || '').split(/(<mark>|<\/mark>)/)) {
    if (part === '<mark>') marked = true;
    else if (part === '</mark>') marked = false;
    else if (part) out.append(marked ? h('mark', { text: unescapeHtml(part) }) : unescapeHtml(part));
  }
  return out;
}

// KB text as the reader wrote it: numbered steps stay an ordered list, bullets a list, the rest paragraphs.
export function textBlock(text) {
  const out = h('div', { class: 'text-block' });
  let list = null;
  for (const raw of (text || '').split('\n')) {
    const line = raw.trim();
    const step = line.match(/^(\d+)[.)]\s+(.*)$/);
    const bullet = line.match(/^[-*•]\s+(.*)$/);
    const tag = step ? 'ol' : bullet ? 'ul' : null;
    if (!line) { list = null; continue; }
    if (!tag) { list = null; out.append(h('p', { text: line })); continue; }
    if (!list || list.tagName.toLowerCase() !== tag) {
      list = h(tag, step && step[1] !== '1' ? { start: step[1] } : {});
      out.append(list);
    }
    list.append(h('li', { text: step ? step[2] : bullet[1] }));
  }
  return out;
}

export const byId = (id) => document.getElementById(id);

// Replaces an element's content and shows it (hidden when there is nothing to show).
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter(Boolean));
  el.hidden = el.childNodes.length === 0;
}

export function percent(share) {
  const p = Math.round(share * 100);
  return p < 1 ? '<1%' : `${p}%`;
}

export function bytes(n) {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return `${i ? n.toFixed(1) : n} ${units[i]}`;
}
