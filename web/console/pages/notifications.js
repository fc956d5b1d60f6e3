// Notifications: the inbox (newest first, paged by ?before=, unread highlighted, mark
// read), and the delivery log of the e-mail and webhook sinks with failures shown.
import { get, post, query, subscribe } from '../api.js';
import { h, mount, badge, timeEl, empty, errorBox, pre, toast, debounce } from '../dom.js';

const PAGE_SIZE = 30;

function bodyView(text) {
  try { return pre(JSON.parse(text)); } catch { return h('pre', { class: 'json' }, text); }
}

async function renderInbox(root, ctx, body) {
  const before = ctx.query.get('before') || '';
  async function load() {
    try {
      const data = await get(`/api/v1/notifications${query({ before, limit: PAGE_SIZE })}`);
      if (!ctx.alive()) return;
      const list = data.notifications;
      const pager = h('div', { class: 'pager' },
        before ? h('a', { class: 'btn', href: '#/notifications' }, '← Newest') : h('span', {}),
        data.next_before ? h('a', { class: 'btn', href: `#/notifications${query({ before: data.next_before })}` }, 'Older →') : h('span', {}));
      if (!list.length) { mount(body, empty('The inbox is empty.', 'Training, detection and review steps notify here.'), pager); return; }
      mount(body, h('ul', { class: 'list', 'data-testid': 'inbox' }, list.map((n) => {
        const readButton = n.read ? null : h('button', { type: 'button', class: 'btn btn-small' }, 'Mark read');
        const li = h('li', { class: n.read ? '' : 'unread', style: { flexDirection: 'column', alignItems: 'stretch' } });
        const details = h('details', {},
          h('summary', {}, h('span', { class: n.read ? '' : 'strong' }, n.subject)),
          bodyView(n.body));
        mount(li, h('div', { class: 'row' }, n.read ? badge('read', 'muted') : badge('new', 'info'), h('div', { class: 'grow' }, details),
          timeEl(n.created), readButton));
        if (readButton) {
          readButton.addEventListener('click', async () => {
            try {
              await post(`/api/v1/notifications/${n.id}/read`);
              n.read = true;
              li.classList.remove('unread');
              readButton.remove();
              li.querySelector('.badge').replaceWith(badge('read', 'muted'));
            } catch (err) {
              toast(err.message, 'bad');
            }
          });
        }
        return li;
      })), pager);
    } catch (err) {
      if (ctx.alive()) mount(body, errorBox(err));
    }
  }
  if (!before) {
    const refresh = debounce(load, 500);
    ctx.onCleanup(refresh.cancel);
    ctx.onCleanup(subscribe('notification', refresh));
  }
  await load();
}

async function renderDeliveries(root, ctx, body) {
  const status = ctx.query.get('status') || '';
  const filter = h('select', { id: 'delivery-status', 'aria-label': 'Delivery status' },
    ['', 'pending', 'delivered', 'failed'].map((v) => h('option', { value: v, selected: v === status }, v || 'all')));
  filter.addEventListener('change', () => ctx.navigate(`#/notifications/deliveries${query({ status: filter.value })}`));
  try {
    const data = await get(`/api/v1/notifications/deliveries${query({ status, limit: 100 })}`);
    if (!ctx.alive()) return;
    const list = data.deliveries;
    const failed = list.filter((d) => d.status === 'failed' || d.last_error).length;
    mount(body, h('div', { class: 'row' }, h('label', { for: 'delivery-status' }, 'Status'), filter, h('span', { class: 'spacer' }),
      failed ? h('span', { class: 'badge badge-bad' }, `${failed} with errors`) : null),
    !list.length ? empty('No deliveries.', 'Configure e-mail or webhook sinks in the "notifications" section of the config file.')
      : h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'deliveries' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Notification'), h('th', {}, 'Sink'), h('th', {}, 'Status'), h('th', { class: 'num' }, 'Attempts'),
          h('th', {}, 'Last error'), h('th', {}, 'Updated'))),
        h('tbody', {}, list.map((d) => h('tr', {}, h('td', {}, `#${d.notification_id}`), h('td', {}, d.sink), h('td', {}, badge(d.status)),
          h('td', { class: 'num' }, String(d.attempts)),
          h('td', { class: 'small' }, d.last_error ? h('span', { class: 'form-error' }, d.last_error) : ''),
          h('td', {}, timeEl(d.updated))))))));
  } catch (err) {
    if (ctx.alive()) mount(body, errorBox(err));
  }
}

export async function render(root, ctx) {
  const deliveries = ctx.params[0] === 'deliveries';
  const body = h('section', { class: 'card' }, h('div', { class: 'loading' }, 'Loading…'));
  mount(root,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Notifications'), h('p', {}, 'The inbox of every notification, and how each was delivered.'))),
    h('nav', { class: 'tabs', 'aria-label': 'Notifications views' },
      h('a', { href: '#/notifications', 'aria-current': deliveries ? null : 'page' }, 'Inbox'),
      h('a', { href: '#/notifications/deliveries', 'aria-current': deliveries ? 'page' : null }, 'Deliveries')),
    body);
  if (deliveries) await renderDeliveries(root, ctx, body);
  else await renderInbox(root, ctx, body);
}
