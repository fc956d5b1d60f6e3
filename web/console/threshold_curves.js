// Threshold curves for a model version's page: per label, precision and recall of the
// held-out test images against the confidence threshold (one-vs-rest: an image counts as
// predicted for a label when that label's confidence reaches the threshold), with the
// label's assumed threshold marked; and a review threshold an admin can move to see how
// many test images would go to people (their top confidence below it), the way
// Minimum-Label-Detection-Confidence sends detections to review. Pure computation on the
// evaluation's per-image "scores"; evaluations made before they were kept say so.
import { get } from './api.js';
import { h, s } from './dom.js';

const REVIEW_PARAMETER = 'Minimum-Label-Detection-Confidence';
const W = 320, H = 190, PAD = { l: 34, r: 10, t: 12, b: 28 };
const X = (t) => PAD.l + (t / 100) * (W - PAD.l - PAD.r);
const Y = (v) => PAD.t + (1 - v) * (H - PAD.t - PAD.b);

// [{t, precision, recall}] for t = 0..100 (precision 1 when nothing reaches t: no false positive).
export function labelCurve(images, label) {
  const scored = images.map((img) => ({ score: img.scores[label] ?? 0, positive: img.true_label === label }));
  const support = scored.filter((x) => x.positive).length;
  const points = [];
  for (let t = 0; t <= 100; t++) {
    let tp = 0, fp = 0;
    for (const x of scored) if (x.score >= t) { if (x.positive) tp++; else fp++; }
    points.push({ t, precision: tp + fp ? tp / (tp + fp) : 1, recall: support ? tp / support : 0 });
  }
  return points;
}

// Test images whose top confidence is below `threshold` (they would be sent to review).
export function sentToReview(images, threshold) {
  return images.filter((img) => Math.max(0, ...Object.values(img.scores)) < threshold).length;
}

function path(points, key) {
  return points.map((p, i) => `${i ? 'L' : 'M'}${X(p.t).toFixed(1)},${Y(p[key]).toFixed(1)}`).join(' ');
}

function chart(label, points, assumed, reviewLine) {
  const ticks = [0, 25, 50, 75, 100];
  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'threshold-chart', role: 'img',
                    'aria-label': `precision and recall of ${label} against the confidence threshold` },
    ticks.map((t) => s('g', {},
      s('line', { x1: X(t), x2: X(t), y1: PAD.t, y2: H - PAD.b, stroke: '#e6eaf0' }),
      s('text', { x: X(t), y: H - PAD.b + 14, 'text-anchor': 'middle', 'font-size': 10, fill: '#5f6b7e' }, String(t)))),
    [0, 0.5, 1].map((v) => s('g', {},
      s('line', { x1: PAD.l, x2: W - PAD.r, y1: Y(v), y2: Y(v), stroke: '#e6eaf0' }),
      s('text', { x: PAD.l - 5, y: Y(v) + 3, 'text-anchor': 'end', 'font-size': 10, fill: '#5f6b7e' }, v.toFixed(1)))),
    s('text', { x: (PAD.l + W - PAD.r) / 2, y: H - 2, 'text-anchor': 'middle', 'font-size': 10, fill: '#5f6b7e' },
      'confidence threshold'),
    s('path', { d: path(points, 'precision'), fill: 'none', stroke: '#2457c5', 'stroke-width': 2, 'data-series': 'precision' }),
    s('path', { d: path(points, 'recall'), fill: 'none', stroke: '#d97706', 'stroke-width': 2, 'data-series': 'recall' }),
    assumed != null ? s('g', { 'data-marker': 'assumed' },
      s('line', { x1: X(assumed), x2: X(assumed), y1: PAD.t, y2: H - PAD.b, stroke: '#177a48', 'stroke-width': 1.5,
                  'stroke-dasharray': '4 3' }),
      // Beside the line, on the side with room, below the curves' usual 1.0 plateau, with a
      // white halo so the curves under it do not hide it.
      s('text', { x: assumed > 60 ? X(assumed) - 4 : X(assumed) + 4, y: PAD.t + 24, 'font-size': 10, fill: '#177a48',
                  'text-anchor': assumed > 60 ? 'end' : 'start', stroke: '#fff', 'stroke-width': 3,
                  'paint-order': 'stroke' },
        `assumed ${Number(assumed).toFixed(1)}`)) : null,
    reviewLine);
}

function reviewMarker(threshold) {
  return s('line', { x1: X(threshold), x2: X(threshold), y1: PAD.t, y2: H - PAD.b, stroke: '#b3261e',
                     'stroke-width': 1.5, 'data-marker': 'review' });
}

function legend() {
  const item = (color, text, dash) => h('span', { class: 'threshold-legend-item' },
    s('svg', { width: 18, height: 8 }, s('line', { x1: 0, x2: 18, y1: 4, y2: 4, stroke: color, 'stroke-width': 2,
                                                   'stroke-dasharray': dash || null })), text);
  return h('div', { class: 'threshold-legend muted small' }, item('#2457c5', 'precision'), item('#d97706', 'recall'),
    item('#177a48', 'assumed threshold (best F1)', '4 3'), item('#b3261e', 'review threshold'));
}

// The section for a version page; `ev` is the version's evaluation.
export function thresholdSection(ev) {
  const images = (ev.test_images || []).filter((img) => img.scores && typeof img.scores === 'object');
  const section = h('section', { class: 'card', 'data-testid': 'threshold-curves' },
    h('h2', {}, 'Precision and recall against the threshold'));
  if (!images.length || images.length !== (ev.test_images || []).length) {
    section.appendChild(h('p', { class: 'muted', 'data-testid': 'no-scores' },
      'This evaluation has no per-image scores (it was made before they were kept): train a new version to see the curves.'));
    return section;
  }
  const slider = h('input', { type: 'range', min: 0, max: 100, step: 0.5, value: 70, id: 'review-threshold',
                              'aria-label': 'review threshold' });
  const valueEl = h('strong', { 'data-testid': 'review-threshold-value' });
  const countEl = h('strong', { 'data-testid': 'review-count' });
  const paramNote = h('span', { class: 'muted small' });
  const charts = [];
  const grid = h('div', { class: 'threshold-grid' });
  for (const label of ev.labels || []) {
    const points = labelCurve(images, label.name);
    const holder = h('figure', { class: 'threshold-figure', 'data-label': label.name },
      h('figcaption', {}, h('strong', {}, label.name), h('span', { class: 'muted small' }, ` ${label.support} test image(s)`)));
    charts.push({ holder, label, points });
    grid.appendChild(holder);
  }
  function update() {
    const threshold = Number(slider.value);
    valueEl.textContent = threshold.toFixed(1);
    const n = sentToReview(images, threshold);
    countEl.textContent = `${n} of ${images.length}`;
    countEl.dataset.count = String(n);
    for (const c of charts) {
      const old = c.holder.querySelector('svg.threshold-chart');
      const next = chart(c.label.name, c.points, c.label.assumed_threshold, reviewMarker(threshold));
      if (old) old.replaceWith(next); else c.holder.appendChild(next);
    }
  }
  slider.addEventListener('input', update);
  section.append(
    h('p', { class: 'muted small' }, 'From the held-out test images: a label counts as predicted when its confidence reaches the threshold.'),
    legend(), grid,
    h('div', { class: 'threshold-review' },
      h('label', { for: 'review-threshold' }, 'Review threshold'), slider, valueEl,
      h('span', {}, ': ', countEl, ' test images would be sent to review (top confidence below the threshold). '),
      paramNote));
  update();
  // Start at the parameter detection uses; an admin moves it to see the effect.
  get(`/api/v1/parameters/${REVIEW_PARAMETER}`).then((p) => {
    const value = Number(p.value);
    if (!Number.isFinite(value)) return;
    slider.value = String(value);
    // Never set (still the system's default): each label's own assumed threshold decides review.
    paramNote.textContent = p.modified_by === 'system'
      ? `${REVIEW_PARAMETER} is ${value.toFixed(1)}, never set: detection sends an image to review when its top label is below that label's assumed threshold.`
      : `${REVIEW_PARAMETER} is ${value.toFixed(1)}: detection sends an image to review when its top confidence is below it.`;
    update();
  }).catch(() => { paramNote.textContent = `${REVIEW_PARAMETER} could not be read.`; });
  return section;
}
