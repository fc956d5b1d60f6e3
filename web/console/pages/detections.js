// Detections: the detection log, searchable by key and filtered by version, label, review
// status and sampling, cursor-paged (never everything at once); thumbnails, confidence,
// review status and human label; and a confidence histogram per model version. Images not
// in the log yet (pending: waiting for a model version to serve, or for a retry) and those
// whose detection failed for good are listed by the Status filter; a banner counts the
// pending ones.
import { get, objectUrl, query } from '../api.js';
import { h, s, mount, badge, timeEl, empty, errorBox } from '../dom.js';

const PAGE_SIZE = 50;
const REVIEW_STATES = ['not_reviewed', 'pending', 'completed'];
const STATUSES = [['detected', 'detected'], ['pending', 'pending (waiting for a model)'], ['failed', 'failed']];

function confidenceCell(value, threshold) {
  const v = Number(value) || 0;
  const cls = threshold != null && v < threshold ? 'warn' : 'ok';
  return h('div', { class: 'conf', title: `confidence ${v.toFixed(2)} (threshold ${threshold != null ? threshold : '—'})` },
    h('div', { class: `bar ${cls}` }, h('span', { style: { width: `${Math.max(0, Math.min(100, v))}%` } })),
    h('span', { class: 'v' }, v.toFixed(1)));
}

function histogramSvg(bins, threshold) {
  const W = 520;
  const H = 200;
  const left = 36;
  const bottom = 24;
  const max = Math.max(4, Math.ceil(Math.max(...bins.map((b) => b.count)) / 4) * 4);  // integer ticks
  const bw = (W - left - 8) / bins.length;
  const plotH = H - bottom - 10;
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Confidence histogram' });
  for (let i = 0; i <= 4; i++) {
    const y = 10 + plotH - (plotH * i) / 4;
    svg.appendChild(s('line', { x1: String(left), x2: String(W - 4), y1: String(y), y2: String(y), stroke: '#e3e8ef' }));
    svg.appendChild(s('text', { x: String(left - 6), y: String(y + 3), 'text-anchor': 'end' }, String(Math.round((max * i) / 4))));
  }
  bins.forEach((b, i) => {
    const bh = (plotH * b.count) / max;
    const x = left + i * bw + 3;
    const below = threshold != null && b.to <= threshold;
    svg.appendChild(s('rect', { class: ['binbar', below ? 'below' : ''], x: String(x), y: String(10 + plotH - bh), width: String(bw - 6), height: String(Math.max(0, bh)), rx: '2' },
      s('title', {}, `${b.from}–${b.to}: ${b.count} detection(s)`)));
    if (b.count) svg.appendChild(s('text', { x: String(x + (bw - 6) / 2), y: String(10 + plotH - bh - 3), 'text-anchor': 'middle' }, String(b.count)));
    svg.appendChild(s('text', { x: String(x + (bw - 6) / 2), y: String(H - 8), 'text-anchor': 'middle' }, `${b.from}–${b.to}`));
  });
  return svg;
}

export async function render(root, ctx) {
  const q = ctx.query;
  const filters = {
    q: q.get('q') || '', version: q.get('version') || '', label: q.get('label') || '',
    review_status: q.get('review_status') || '', sampled: q.get('sampled') || '', status: q.get('status') || '',
  };
  const queued = filters.status === 'pending' || filters.status === 'failed';
  const cursor = q.get('cursor') || '';
  const prev = q.get('prev') ? q.get('prev').split(',') : [];  // cursors of earlier pages
  const go = (params) => ctx.navigate(`#/detections${query({ ...filters, ...params })}`);

  const search = h('input', { type: 'search', id: 'det-q', value: filters.q, placeholder: 'part of an image key', 'aria-label': 'Search image keys' });
  const version = h('input', { id: 'det-version', value: filters.version, placeholder: 'any', list: 'det-versions' });
  const label = h('input', { id: 'det-label', value: filters.label, placeholder: 'any' });
  const review = h('select', { id: 'det-review' }, h('option', { value: '' }, 'any'),
    REVIEW_STATES.map((r) => h('option', { value: r, selected: r === filters.review_status }, r.replace('_', ' '))));
  const sampled = h('select', { id: 'det-sampled' }, h('option', { value: '' }, 'any'),
    h('option', { value: 'true', selected: filters.sampled === 'true' }, 'sampled'), h('option', { value: 'false', selected: filters.sampled === 'false' }, 'not sampled'));
  const status = h('select', { id: 'det-status' },
    STATUSES.map(([value, text]) => h('option', { value: value === 'detected' ? '' : value, selected: (filters.status || 'detected') === value }, text)));
  const versionsList = h('datalist', { id: 'det-versions' });
  const form = h('form', { class: 'filters', role: 'search' },
    h('div', { class: 'field' }, h('label', { for: 'det-status' }, 'Status'), status),
    h('div', { class: 'field' }, h('label', { for: 'det-q' }, 'Search'), search),
    h('div', { class: 'field' }, h('label', { for: 'det-version' }, 'Version'), version),
    h('div', { class: 'field' }, h('label', { for: 'det-label' }, 'Label'), label),
    h('div', { class: 'field' }, h('label', { for: 'det-review' }, 'Review'), review),
    h('div', { class: 'field' }, h('label', { for: 'det-sampled' }, 'Sampling'), sampled),
    h('button', { type: 'submit', class: 'btn btn-primary' }, 'Search'),
    h('a', { class: 'btn btn-ghost', href: '#/detections' }, 'Clear'), versionsList);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    Object.assign(filters, { q: search.value.trim(), version: version.value.trim(), label: label.value.trim(), review_status: review.value, sampled: sampled.value, status: status.value });
    go({});
  });
  const tableCard = h('section', { class: 'card' }, h('div', { class: 'loading' }, 'Loading…'));
  const banner = h('div', { 'data-testid': 'pending-banner' });
  const histVersion = h('select', { id: 'hist-version', 'aria-label': 'Model version for the histogram' });
  const histBody = h('div', { class: 'histogram' });
  mount(root,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Detections'), h('p', {}, 'Every classified image, newest first.'))),
    form, banner,
    h('div', { class: 'grid-2', style: { marginTop: 0, gridTemplateColumns: 'minmax(0, 2.2fr) minmax(300px, 1fr)' } },
      tableCard,
      h('section', { class: 'card' }, h('div', { class: 'row' }, h('h2', {}, 'Confidence histogram'), h('span', { class: 'spacer' }), histVersion), histBody)));

  async function loadBanner() {
    const data = await get(`/api/v1/detections${query({ status: 'pending', limit: 1 })}`);
    if (!ctx.alive() || !data.total || filters.status === 'pending') return;
    mount(banner, h('div', { class: 'card', role: 'status' },
      badge(`${data.total} pending`, 'warn'), ' image(s) wait for a model version to serve; each is detected once, oldest first, as soon as one does. ',
      h('a', { href: `#/detections${query({ status: 'pending' })}` }, 'Show them')));
  }

  function queuedTable(list) {
    return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'queued-detections' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Image'), h('th', {}, 'Status'), h('th', {}, 'Reason'), h('th', {}, 'Attempts'),
        h('th', {}, 'Next attempt'), h('th', {}, 'Arrived'))),
      h('tbody', {}, list.map((d) => h('tr', {},
        h('td', { class: 'key', title: d.request_id }, d.image_key.replace(/^images_for_detection\//, '')),
        h('td', {}, badge(d.status, d.status === 'failed' ? 'bad' : 'warn')),
        h('td', { class: 'small' }, d.reason),
        h('td', {}, String(d.attempts)),
        h('td', {}, d.next_attempt ? timeEl(d.next_attempt) : ''),
        h('td', {}, timeEl(d.created)))))));
  }

  async function loadTable() {
    const params = queued ? { status: filters.status, cursor, limit: PAGE_SIZE } : { ...filters, cursor, limit: PAGE_SIZE };
    const data = await get(`/api/v1/detections${query(params)}`);
    if (!ctx.alive()) return;
    const list = data.detections;
    const pager = h('div', { class: 'pager' },
      prev.length || cursor ? h('button', { type: 'button', class: 'btn', onclick: () => go({ cursor: prev[prev.length - 1] || '', prev: prev.slice(0, -1).join(',') }) }, '← Newer') : h('span', {}),
      h('span', { class: 'muted small', 'data-testid': 'detections-total' }, `${data.total} detection(s)`),
      data.next_cursor ? h('button', { type: 'button', class: 'btn', onclick: () => go({ cursor: data.next_cursor, prev: [...prev, cursor].join(',') }) }, 'Older →') : h('span', {}));
    if (queued) {
      mount(tableCard, list.length ? queuedTable(list) : empty(`No ${filters.status} images.`), pager);
      return;
    }
    if (!list.length) {
      mount(tableCard, empty('No detections match.', 'Images dropped into images_for_detection/ or POSTed to /api/v1/detect appear here.'), pager);
      return;
    }
    mount(tableCard, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'detections' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Image'), h('th', {}, 'Label'), h('th', {}, 'Confidence'), h('th', {}, 'Version'),
        h('th', {}, 'Review'), h('th', {}, 'Human label'), h('th', {}, 'When'))),
      h('tbody', {}, list.map((d) => h('tr', {},
        h('td', {}, h('a', { href: objectUrl(d.image_key), target: '_blank', rel: 'noopener', 'aria-label': `open ${d.image_key}` },
          h('img', { class: 'thumb', src: objectUrl(d.image_key), alt: '', loading: 'lazy', width: '48', height: '48' }))),
        h('td', { class: 'key', title: d.request_id }, d.image_key.replace(/^images_for_detection\//, '')),
        h('td', {}, d.label != null ? d.label : h('span', { class: 'muted' }, 'none')),
        h('td', {}, confidenceCell(d.confidence, d.threshold)),
        h('td', {}, d.version),
        h('td', {}, badge(d.review_status.replace('_', ' '), { not_reviewed: 'muted', pending: 'warn', completed: 'ok' }[d.review_status]), d.sampled ? h('div', {}, badge('sampled', 'info')) : null),
        h('td', {}, d.human_label != null ? h('strong', {}, d.human_label) : (d.review_status === 'completed' ? h('span', { class: 'muted' }, 'none of the above') : '')),
        h('td', {}, timeEl(d.created))))))), pager);
  }

  async function loadHistogram(v, threshold) {
    if (!v) { mount(histBody, empty('No model versions yet.')); return; }
    try {
      const data = await get(`/api/v1/detections/histogram${query({ version: v })}`);
      if (!ctx.alive()) return;
      const total = data.bins.reduce((a, b) => a + b.count, 0);
      mount(histBody, total ? histogramSvg(data.bins, threshold) : empty(`No detections by ${v}.`),
        h('p', { class: 'muted small' }, `${total} detection(s) by ${v}`, threshold != null ? `; amber bins are below the review threshold (${threshold}).` : '.'));
    } catch (err) {
      if (ctx.alive()) mount(histBody, errorBox(err));
    }
  }

  async function setupHistogram() {
    const [models, threshold] = await Promise.all([
      get('/api/v1/models').then((d) => d.models).catch(() => []),
      get('/api/v1/parameters/Minimum-Label-Detection-Confidence').then((p) => Number(p.value)).catch(() => null),
    ]);
    if (!ctx.alive()) return;
    const names = models.sort((a, b) => (b.created || '').localeCompare(a.created || '')).map((m) => m.version);
    // The log may hold versions with no model row (deleted ones): the filtered one counts too.
    if (filters.version && !names.includes(filters.version)) names.unshift(filters.version);
    mount(versionsList, names.map((n) => h('option', { value: n })));
    mount(histVersion, names.map((n) => h('option', { value: n }, n)));
    const running = models.find((m) => m.status === 'RUNNING');
    const initial = filters.version || (running ? running.version : names[0]);
    if (initial) histVersion.value = initial;
    histVersion.onchange = () => loadHistogram(histVersion.value, threshold);
    await loadHistogram(initial, threshold);
  }

  await Promise.all([
    loadTable().catch((err) => { if (ctx.alive()) mount(tableCard, errorBox(err)); }),
    loadBanner().catch(() => {}),
    setupHistogram(),
  ]);
}
