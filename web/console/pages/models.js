// Models: the versions with status and F1 (start/stop); one version's evaluation: per-label
// precision/recall/F1, the confusion matrix as a heat map, precision and recall against the
// threshold (threshold_curves.js), and the misclassified test images.
import { get, post, objectUrl, subscribe } from '../api.js';
import { h, mount, badge, timeEl, num, empty, errorBox, toast, confirmDialog, debounce } from '../dom.js';
import { thresholdSection } from '../threshold_curves.js';

const versionUrl = (v) => `/api/v1/models/${encodeURIComponent(v)}`;
const STARTABLE = new Set(['TRAINING_COMPLETED', 'STOPPED']);
const STOPPABLE = new Set(['RUNNING', 'STARTING']);

function lifecycleButtons(m, after) {
  const act = async (action) => {
    if (action === 'stop') {
      const ok = await confirmDialog(`Stop ${m.version}?`, m.status === 'RUNNING'
        ? 'Detection stops using this version. Images dropped for detection wait until a version runs.'
        : 'The version stops starting.', { confirmText: 'Stop version' });
      if (!ok) return;
    }
    try {
      const res = await post(`${versionUrl(m.version)}/${action}`);
      toast(`${m.version}: ${res.status}`);
      after();
    } catch (err) {
      toast(err.message, 'bad');
    }
  };
  return h('div', { class: 'row' },
    STARTABLE.has(m.status) ? h('button', { type: 'button', class: 'btn btn-small btn-primary', onclick: () => act('start') }, 'Start') : null,
    STOPPABLE.has(m.status) ? h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: () => act('stop') }, 'Stop') : null);
}

async function renderList(root, ctx) {
  const body = h('div', { class: 'card' });
  mount(root, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Models'),
    h('p', {}, 'Versions trained from images_labeled_by_folder/. The running version serves detection.'))), body);
  async function load() {
    try {
      const data = await get('/api/v1/models');
      if (!ctx.alive()) return;
      const models = [...data.models].sort((a, b) => (b.created || '').localeCompare(a.created || ''));
      if (!models.length) {
        mount(body, empty('No model versions yet.', 'Training starts when enough labelled images are in the bucket and Enable-Automatic-Training is on.'));
        return;
      }
      mount(body, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'models' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Version'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'F1'), h('th', {}, 'Labels'),
          h('th', { class: 'num' }, 'Train / test images'), h('th', {}, 'Created'), h('th', {}, ''))),
        h('tbody', {}, models.map((m) => h('tr', {},
          h('td', {}, h('a', { href: `#/models/${encodeURIComponent(m.version)}` }, m.version)),
          h('td', {}, badge(m.status), m.status_message ? h('div', { class: 'muted small' }, m.status_message) : null),
          h('td', { class: 'num' }, num(m.f1)),
          h('td', { class: 'small' }, (m.labels || []).join(', ')),
          h('td', { class: 'num' }, `${m.training_image_count} / ${m.test_image_count}`),
          h('td', {}, timeEl(m.created)),
          h('td', {}, lifecycleButtons(m, load))))))));
    } catch (err) {
      if (ctx.alive()) mount(body, errorBox(err));
    }
  }
  const refresh = debounce(load, 500);
  ctx.onCleanup(refresh.cancel);
  ctx.onCleanup(subscribe('model.changed', refresh));
  ctx.onCleanup(subscribe('execution', refresh));
  await load();
}

// Cell colour: white -> blue for the diagonal (correct), white -> red elsewhere.
function heatColor(count, max, correct) {
  const t = max ? count / max : 0;
  const [r, g, b] = correct ? [36, 87, 197] : [208, 71, 61];
  const mix = (c) => Math.round(255 + (c - 255) * t);
  return { bg: `rgb(${mix(r)}, ${mix(g)}, ${mix(b)})`, fg: t > 0.55 ? '#fff' : '#1c2433' };
}

function confusionMatrix(cm) {
  if (!cm || !cm.counts) return h('p', { class: 'muted' }, 'No confusion matrix.');
  const max = Math.max(1, ...cm.counts.flat());
  return h('div', { class: 'table-wrap' }, h('table', { class: 'heatmap', 'data-testid': 'confusion' },
    h('thead', {}, h('tr', {}, h('th', { class: 'corner' }, 'true ↓ / predicted →'),
      cm.predicted_labels.map((l) => h('th', { class: 'axis', title: l, scope: 'col' }, l)))),
    h('tbody', {}, cm.true_labels.map((label, i) => h('tr', {},
      h('th', { class: 'axis', title: label, scope: 'row' }, label),
      cm.counts[i].map((count, j) => {
        const c = heatColor(count, max, cm.predicted_labels[j] === label);
        return h('td', { class: 'cell', style: { backgroundColor: c.bg, color: c.fg },
          title: `${count} test image(s) labelled ${label} predicted ${cm.predicted_labels[j]}` }, String(count));
      }))))));
}

function imageTile(img) {
  const isKey = /^(images_labeled_by_folder|images_for_detection|a2i-human-loop-data)\//.test(img.image);
  return h('figure', { class: 'image-tile' },
    isKey ? h('a', { href: objectUrl(img.image), target: '_blank', rel: 'noopener' }, h('img', { src: objectUrl(img.image), alt: '', loading: 'lazy' })) : null,
    h('figcaption', { class: 'cap' },
      h('div', { title: img.image }, img.image.split('/').pop()),
      h('div', {}, 'true ', h('strong', {}, img.true_label)),
      h('div', {}, 'predicted ', h('strong', {}, img.predicted_label), ` (${Number(img.confidence).toFixed(1)})`)));
}

async function renderVersion(root, ctx, name) {
  async function load() {
    let m;
    try {
      m = await get(versionUrl(name));
    } catch (err) {
      if (ctx.alive()) mount(root, h('p', {}, h('a', { href: '#/models' }, '← Models')), h('h1', {}, name), errorBox(err));
      return;
    }
    if (!ctx.alive()) return;
    const ev = m.evaluation;
    const wrong = ev && ev.test_images ? ev.test_images.filter((i) => i.true_label !== i.predicted_label) : [];
    mount(root,
      h('p', {}, h('a', { href: '#/models' }, '← Models')),
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', {}, m.version), h('div', { class: 'row' }, badge(m.status), m.status_message ? h('span', { class: 'muted' }, m.status_message) : null)),
        lifecycleButtons(m, load)),
      h('div', { class: 'grid' },
        h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'Macro F1'), h('div', { class: 'stat' }, num(m.f1))),
        h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'Accuracy'), h('div', { class: 'stat' }, ev ? num(ev.accuracy) : '—')),
        h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'Images'), h('div', { class: 'stat' }, `${m.training_image_count}`),
          h('div', { class: 'muted small' }, `${m.test_image_count} held out for testing`)),
        h('div', { class: 'card' }, h('div', { class: 'stat-label' }, 'Created'), h('div', {}, timeEl(m.created, { relative: false })),
          h('div', { class: 'muted small' }, m.finished ? ['finished ', timeEl(m.finished)] : ''))),
      !ev ? h('div', { class: 'card' }, empty('No evaluation yet.', 'It is written when training completes.')) : [
        h('div', { class: 'grid-2' },
          h('section', { class: 'card' }, h('h2', {}, 'Per label'),
            h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'per-label' },
              h('thead', {}, h('tr', {}, h('th', {}, 'Label'), h('th', { class: 'num' }, 'Precision'), h('th', { class: 'num' }, 'Recall'),
                h('th', { class: 'num' }, 'F1'), h('th', { class: 'num' }, 'Test images'), h('th', { class: 'num' }, 'Threshold'))),
              h('tbody', {}, (ev.labels || []).map((l) => h('tr', {}, h('td', {}, l.name), h('td', { class: 'num' }, num(l.precision)),
                h('td', { class: 'num' }, num(l.recall)), h('td', { class: 'num' }, num(l.f1)), h('td', { class: 'num' }, String(l.support)),
                h('td', { class: 'num' }, l.assumed_threshold != null ? Number(l.assumed_threshold).toFixed(1) : '—'))))))),
          h('section', { class: 'card' }, h('h2', {}, 'Confusion matrix'), confusionMatrix(ev.confusion_matrix))),
        h('div', { style: { marginTop: '1rem' } }, thresholdSection(ev)),
        h('section', { class: 'card', style: { marginTop: '1rem' } }, h('h2', {}, `Misclassified test images (${wrong.length})`),
          wrong.length ? h('div', { class: 'images-grid' }, wrong.map(imageTile)) : h('p', { class: 'muted' }, 'Every test image was classified correctly.'))]);
  }
  const refresh = debounce(load, 500);
  ctx.onCleanup(refresh.cancel);
  ctx.onCleanup(subscribe('model.changed', (d) => { if (d && d.version === name) refresh(); }));
  await load();
}

export async function render(root, ctx) {
  if (ctx.params[0]) return renderVersion(root, ctx, ctx.params[0]);
  return renderList(root, ctx);
}
