// Dashboard: running version and F1, images per label, untrained images against
// Minimum-Untrained-Images, schedules, reviews, sampling agreement, recent executions and
// notifications, from GET /api/v1/dashboard; refreshed live from the event stream.
import { get, subscribe } from '../api.js';
import { h, mount, badge, timeEl, pct, num, empty, errorBox, debounce } from '../dom.js';

function partError(part) {
  return part && part.error ? h('div', { class: 'alert alert-bad' }, part.error) : null;
}

function modelCard(models) {
  const running = models && models.running;
  const training = (models && models.training) || [];
  return h('section', { class: 'card', 'aria-labelledby': 'dash-model' },
    h('div', { class: 'stat-label', id: 'dash-model' }, 'Running model'),
    partError(models),
    running
      ? [h('div', { class: 'stat stat-name', 'data-testid': 'running-version', title: running.name }, running.name),
        h('div', { class: 'row' }, badge(running.status), h('span', {}, 'F1 ', h('strong', {}, num(running.f1))),
          h('span', { class: 'muted' }, `${(running.labels || []).length} labels`))]
      : [h('div', { class: 'stat muted' }, 'none'), h('p', { class: 'muted small' }, 'No version is running yet.')],
    training.length
      ? h('ul', { class: 'list' }, training.map((t) => h('li', {}, h('a', { class: 'grow', href: `#/models/${encodeURIComponent(t.name)}` }, t.name), badge(t.status))))
      : null,
    h('p', { class: 'small muted' }, `${models && models.count != null ? models.count : 0} version(s) · `,
      h('a', { href: '#/models' }, 'all models')));
}

function untrainedCard(images) {
  const untrained = images && images.untrained;
  const minimum = images && images.minimum_untrained;
  const ratio = minimum ? Math.min(1, Math.max(0, (untrained || 0) / minimum)) : 0;
  return h('section', { class: 'card' },
    h('div', { class: 'stat-label' }, 'Untrained images'),
    partError(images),
    h('div', { class: 'stat' }, untrained != null ? String(untrained) : '—',
      h('span', { class: 'muted small' }, minimum != null ? ` / ${minimum} needed` : '')),
    h('div', { class: `bar ${ratio >= 1 ? 'ok' : ''}`, role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': String(minimum || 0),
      'aria-valuenow': String(untrained || 0), 'aria-label': 'untrained images against the minimum' },
    h('span', { style: { width: `${ratio * 100}%` } })),
    h('p', { class: 'small muted' }, `${images && images.total != null ? images.total : 0} labelled images, ${images && images.previous_trained_images != null ? images.previous_trained_images : 0} already trained, ${images && images.human_labelled != null ? images.human_labelled : 0} from reviewers`));
}

function reviewsCard(reviews) {
  const agreement = (reviews && reviews.agreement) || [];
  return h('section', { class: 'card' },
    h('div', { class: 'stat-label' }, 'Pending reviews'),
    h('div', { class: 'stat' }, reviews && reviews.available != null ? String(reviews.available) : '—'),
    h('p', { class: 'small muted' }, `${reviews && reviews.in_progress != null ? reviews.in_progress : 0} in progress · `,
      h('a', { href: '/label' }, 'labelling portal')),
    reviews && reviews.available_error ? h('div', { class: 'alert alert-bad' }, reviews.available_error) : null,
    h('div', { class: 'stat-label' }, 'Agreement on samples'),
    agreement.length
      ? h('ul', { class: 'list' }, agreement.map((a) => h('li', {},
        h('span', { class: 'grow' }, a.version),
        h('strong', {}, pct(a.rate, 0)),
        h('span', { class: 'muted small', title: '95 % confidence interval' }, `${pct(a.ci_low, 0)}–${pct(a.ci_high, 0)}, n=${a.count}`))))
      : h('p', { class: 'small muted' }, 'No sampled detections reviewed yet.'));
}

function schedulesCard(schedules) {
  const list = Array.isArray(schedules) ? schedules : [];
  return h('section', { class: 'card' },
    h('div', { class: 'stat-label' }, 'Next polls'),
    partError(schedules),
    list.length
      ? h('ul', { class: 'list' }, list.map((s) => h('li', {},
        h('span', { class: 'grow' }, s.name),
        s.enabled ? timeEl(s.next_fire) : badge('disabled', 'muted'),
        h('span', { class: 'muted small' }, `every ${s.period_minutes} min`))))
      : h('p', { class: 'muted small' }, 'No schedules.'));
}

function labelsCard(images) {
  const labels = (images && images.labels) || [];
  const max = Math.max(1, ...labels.map((l) => l.images));
  return h('section', { class: 'card' },
    h('h2', {}, 'Images per label'),
    labels.length
      ? h('div', { class: 'label-bars' }, labels.map((l) => [
        h('a', { class: 'name', href: `#/bucket?prefix=${encodeURIComponent(`images_labeled_by_folder/${l.label}/`)}`, title: l.label }, l.label),
        h('div', { class: 'bar' }, h('span', { style: { width: `${(l.images / max) * 100}%` } })),
        h('span', { class: 'num' }, String(l.images))]))
      : empty('No labelled images yet.', 'Drop folders of images onto images_labeled_by_folder/ in the Bucket page; each folder name is a label.'));
}

function executionsCard(executions) {
  const list = Array.isArray(executions) ? executions : [];
  return h('section', { class: 'card' },
    h('div', { class: 'row' }, h('h2', {}, 'Recent executions'), h('span', { class: 'spacer' }), h('a', { class: 'small', href: '#/executions' }, 'all')),
    partError(executions),
    list.length
      ? h('ul', { class: 'list', 'data-testid': 'recent-executions' }, list.map((e) => h('li', {},
        badge(e.status),
        h('a', { class: 'grow', href: `#/executions/${encodeURIComponent(e.id)}` }, `${e.branch} · ${e.state || ''}`),
        timeEl(e.started))))
      : h('p', { class: 'muted small' }, 'No executions yet.'));
}

function notificationsCard(notifications) {
  const list = Array.isArray(notifications) ? notifications : [];
  return h('section', { class: 'card' },
    h('div', { class: 'row' }, h('h2', {}, 'Recent notifications'), h('span', { class: 'spacer' }), h('a', { class: 'small', href: '#/notifications' }, 'inbox')),
    partError(notifications),
    list.length
      ? h('ul', { class: 'list' }, list.map((n) => h('li', { class: n.read ? '' : 'unread' },
        n.read ? null : badge('new', 'info'),
        h('span', { class: 'grow', title: n.subject }, n.subject),
        timeEl(n.created))))
      : h('p', { class: 'muted small' }, 'No notifications yet.'));
}

export async function render(root, ctx) {
  const body = h('div', {});
  const updated = h('span', { class: 'muted small' });
  mount(root,
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Dashboard'), h('p', {}, 'The state of training, detection and review at a glance.')),
      updated),
    body);

  let inFlight = false;
  let again = false;
  async function load() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    try {
      const d = await get('/api/v1/dashboard');
      if (!ctx.alive()) return;
      mount(body,
        h('div', { class: 'grid' }, modelCard(d.models), untrainedCard(d.images), reviewsCard(d.reviews), schedulesCard(d.schedules)),
        h('div', { class: 'grid-2' }, labelsCard(d.images), executionsCard(d.executions)),
        h('div', { class: 'grid-2' }, notificationsCard(d.notifications)));
      root.dataset.runningVersion = d.models && d.models.running ? d.models.running.name : '';
      updated.textContent = `updated ${new Date().toLocaleTimeString()}`;
    } catch (err) {
      if (ctx.alive()) mount(body, errorBox(err));
    } finally {
      inFlight = false;
      if (again && ctx.alive()) { again = false; refresh(); }
    }
  }
  const refresh = debounce(load, 1000);
  ctx.onCleanup(refresh.cancel);
  ctx.onCleanup(subscribe('*', () => refresh()));
  // Schedules' relative times and anything the stream missed: a slow safety refresh.
  const timer = setInterval(() => { if (!document.hidden) refresh(); }, 30000);
  ctx.onCleanup(() => clearInterval(timer));
  await load();
}
