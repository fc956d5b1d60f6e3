// DOM helpers for the console. Every piece of data reaches the page through textContent or
// setAttribute (never innerHTML), so label names, file names and keys cannot inject markup.
// Content-Security-Policy is "default-src 'self'": no inline scripts, handlers or style strings.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'class') el.setAttribute('class', Array.isArray(value) ? value.filter(Boolean).join(' ') : value);
    else if (name === 'text') el.textContent = String(value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name === 'style') Object.assign(el.style, value);  // CSSOM: allowed under the CSP
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'value' && 'value' in el) el.value = value;
    else if (name === 'checked' || name === 'disabled' || name === 'selected') el[name] = Boolean(value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

// h('div', {class: 'card', onclick: fn}, 'text', child, [more]) -> HTMLElement
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

// Relative time ("3 min ago", "in 2 h") with the absolute time as a tooltip.
export function timeEl(iso, { relative = true } = {}) {
  if (!iso) return h('span', { class: 'muted' }, '—');
  const date = new Date(iso);
  return h('time', { datetime: iso, title: date.toLocaleString() }, relative ? relTime(date) : date.toLocaleString());
}

export function relTime(date) {
  const diffS = (date.getTime() - Date.now()) / 1000;
  const abs = Math.abs(diffS);
  let text;
  if (abs < 45) text = `${Math.round(abs)} s`;
  else if (abs < 3600) text = `${Math.round(abs / 60)} min`;
  else if (abs < 86400 * 2) text = `${Math.round(abs / 3600)} h`;
  else text = `${Math.round(abs / 86400)} d`;
  return diffS >= 0 ? `in ${text}` : `${text} ago`;
}

export function duration(ms) {
  if (ms === null || ms === undefined || Number.isNaN(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function pct(value, digits = 1) {
  if (value === null || value === undefined) return '—';
  return `${(value * 100).toFixed(digits)} %`;
}

export function num(value, digits = 3) {
  if (value === null || value === undefined) return '—';
  return Number(value).toFixed(digits);
}

export function bytes(n) {
  if (n === null || n === undefined) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const STATUS_CLASS = {
  RUNNING: 'info', SUCCEEDED: 'ok', FAILED: 'bad', TRAINING_IN_PROGRESS: 'info', TRAINING_COMPLETED: 'ok',
  TRAINING_FAILED: 'bad', STARTING: 'info', STOPPING: 'info', STOPPED: 'muted', DEPLOYED: 'ok',
  InProgress: 'info', Completed: 'ok', Stopped: 'muted', Expired: 'warn', delivered: 'ok', failed: 'bad',
  pending: 'warn', completed: 'ok', not_reviewed: 'muted', admin: 'info', reviewer: 'ok', consumer: 'warn',
};

export function badge(text, kind) {
  const cls = kind || STATUS_CLASS[text] || 'muted';
  return h('span', { class: `badge badge-${cls}` }, text ?? '—');
}

export function spinner(text = 'Loading…') {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spin', 'aria-hidden': 'true' }), text);
}

export function empty(text, hint) {
  return h('div', { class: 'empty' }, h('p', {}, text), hint ? h('p', { class: 'muted' }, hint) : null);
}

export function errorBox(err) {
  const code = err && err.code ? err.code : 'error';
  return h('div', { class: 'alert alert-bad', role: 'alert' },
    h('strong', {}, err && err.status ? `${err.status} ${code}` : code), ': ', err && err.message ? err.message : String(err));
}

export function pre(json) {
  return h('pre', { class: 'json' }, json === undefined ? '—' : JSON.stringify(json, null, 2));
}

// Short, non-blocking message at the bottom of the screen.
export function toast(message, kind = 'ok') {
  let host = document.getElementById('toasts');
  if (!host) {
    host = h('div', { id: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(host);
  }
  const el = h('div', { class: `toast toast-${kind}` }, message);
  host.appendChild(el);
  setTimeout(() => el.remove(), kind === 'bad' ? 8000 : 4000);
}

// A modal confirmation built from DOM nodes; resolves true on confirm.
export function confirmDialog(title, message, { confirmText = 'Delete', danger = true } = {}) {
  return new Promise((resolve) => {
    const dialog = h('dialog', { class: 'dialog' });
    const done = (value) => { dialog.close(); dialog.remove(); resolve(value); };
    mount(dialog,
      h('h2', {}, title),
      h('p', {}, message),
      h('div', { class: 'row end' },
        h('button', { type: 'button', class: 'btn', onclick: () => done(false) }, 'Cancel'),
        h('button', { type: 'button', class: danger ? 'btn btn-danger' : 'btn btn-primary', 'data-confirm': '1',
          onclick: () => done(true) }, confirmText)));
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); done(false); });
    document.body.appendChild(dialog);
    dialog.showModal();
    dialog.querySelector('[data-confirm]').focus();
  });
}

// Live refreshes: runs fn at most once per `ms`, `ms` after the first call of a burst, so a
// steady stream of events still refreshes (a plain debounce would starve).
export function debounce(fn, ms) {
  let timer = null;
  const wrapped = () => {
    if (timer) return;
    timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
  wrapped.cancel = () => { clearTimeout(timer); timer = null; };
  return wrapped;
}
