// Executions: list with status and duration, filtered by branch and status, paged with
// ?before=; and the graph inspector for one execution: the state machine drawn from
// GET /api/v1/statemachine with the path the execution took and its current state;
// clicking a state shows its input and output from the history.
import { get, query, subscribe } from '../api.js';
import { h, mount, clear, badge, timeEl, duration, empty, errorBox, pre, debounce } from '../dom.js';
import { drawGraph } from '../graph.js';

const BRANCHES = ['parameter-change', 'training-poll', 'sampling-poll', 'detection', 'review-output'];
const STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED'];
const PAGE_SIZE = 50;

function durationMs(e) {
  const start = Date.parse(e.started);
  const stop = e.stopped ? Date.parse(e.stopped) : Date.now();
  return Number.isNaN(start) ? null : stop - start;
}


async function renderList(root, ctx) {
  const branch = ctx.query.get('branch') || '';
  const status = ctx.query.get('status') || '';
  const before = ctx.query.get('before') || '';
  const go = (params) => ctx.navigate(`#/executions${query({ branch, status, ...params })}`);
  const select = (label, id, options, value, key) => {
    const el = h('select', { id }, h('option', { value: '' }, 'all'), options.map((o) => h('option', { value: o, selected: o === value }, o)));
    el.addEventListener('change', () => go({ [key]: el.value, before: '' }));
    return h('div', { class: 'field' }, h('label', { for: id }, label), el);
  };
  const body = h('div', { class: 'card' });
  mount(root,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Executions'),
      h('p', {}, 'Every event runs the state machine once; open a run to see the path it took.'))),
    h('div', { class: 'filters' },
      select('Branch', 'filter-branch', BRANCHES, branch, 'branch'),
      select('Status', 'filter-status', STATUSES, status, 'status'),
      h('a', { class: 'btn', href: '#/executions/graph' }, 'View the state machine')),
    body);

  async function load() {
    try {
      const data = await get(`/api/v1/executions${query({ branch, status, before, limit: PAGE_SIZE })}`);
      if (!ctx.alive()) return;
      const list = data.executions;
      if (!list.length) {
        mount(body, empty(before ? 'No older executions.' : 'No executions match.', 'Executions start when objects arrive, parameters change or schedules fire.'));
      } else {
        mount(body, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'executions' },
          h('thead', {}, h('tr', {}, h('th', {}, 'Execution'), h('th', {}, 'Branch'), h('th', {}, 'Status'), h('th', {}, 'State'),
            h('th', {}, 'Started'), h('th', { class: 'num' }, 'Duration'))),
          h('tbody', {}, list.map((e) => {
            const href = `#/executions/${encodeURIComponent(e.id)}`;
            const tr = h('tr', { class: 'clickable' },
              h('td', { class: 'key' }, h('a', { href, title: e.id }, e.id)),
              h('td', {}, e.branch),
              h('td', {}, badge(e.status), e.error ? h('div', { class: 'small muted', title: e.cause || '' }, e.error) : null),
              h('td', {}, e.current_state),
              h('td', {}, timeEl(e.started)),
              h('td', { class: 'num' }, duration(durationMs(e))));
            tr.addEventListener('click', (ev) => { if (ev.target.tagName !== 'A') ctx.navigate(href); });
            return tr;
          })))));
      }
      body.appendChild(h('div', { class: 'pager' },
        before ? h('a', { class: 'btn', href: `#/executions${query({ branch, status })}` }, '← Newest') : h('span', {}),
        data.next_before ? h('a', { class: 'btn', href: `#/executions${query({ branch, status, before: data.next_before })}` }, 'Older →') : h('span', {})));
    } catch (err) {
      if (ctx.alive()) mount(body, errorBox(err));
    }
  }
  if (!before) {
    const refresh = debounce(load, 600);
    ctx.onCleanup(refresh.cancel);
    ctx.onCleanup(subscribe('execution', refresh));
  }
  body.appendChild(h('div', { class: 'loading' }, 'Loading…'));
  await load();
}

function stateDetail(name, definition, history) {
  const state = (definition.States || {})[name] || {};
  const entered = history.filter((e) => e.type === 'StateEntered' && e.state === name);
  const exited = history.filter((e) => e.type === 'StateExited' && e.state === name);
  const other = history.filter((e) => e.state === name && e.type !== 'StateEntered' && e.type !== 'StateExited').slice(-20);
  const all = entered.map((en, i) => ({ n: i + 1, entered: en, exited: exited[i] }));
  const MAX_VISITS = 10;  // a polling loop may enter a state hundreds of times
  const visits = all.slice(-MAX_VISITS);
  return h('div', { class: 'stack', 'data-testid': 'state-detail' },
    h('h2', {}, name),
    h('div', { class: 'row' }, badge(state.Type || '?', 'info'), state.Resource ? h('code', {}, state.Resource) : null,
      h('span', { class: 'muted small' }, all.length ? `entered ${all.length}×` : 'not entered by this execution')),
    all.length > visits.length ? h('p', { class: 'muted small' }, `Showing the last ${visits.length} visits.`) : null,
    visits.map((v, i) => h('details', { open: i === visits.length - 1 },
      h('summary', {}, `Visit ${v.n} · `, timeEl(v.entered.time, { relative: false })),
      h('h3', {}, 'Input'), pre(v.entered.input),
      h('h3', {}, 'Output'), v.exited ? pre(v.exited.output) : h('p', { class: 'muted small' }, 'not exited (yet)'))),
    other.length ? h('div', {}, h('h3', {}, 'Events'), h('ul', { class: 'list' }, other.map((e) => h('li', {},
      h('span', { class: 'grow' }, e.type, e.error ? ` — ${e.error}` : ''), timeEl(e.time, { relative: false }))))) : null,
    h('details', {}, h('summary', {}, 'Definition'), pre(state)));
}

async function renderExecution(root, ctx, id) {
  const showingMachineOnly = id === 'graph';
  let definition;
  let execution = null;
  try {
    [definition, execution] = await Promise.all([
      get('/api/v1/statemachine'),
      showingMachineOnly ? Promise.resolve(null) : get(`/api/v1/executions/${encodeURIComponent(id)}`),
    ]);
  } catch (err) {
    mount(root, h('p', {}, h('a', { href: '#/executions' }, '← Executions')), h('h1', {}, showingMachineOnly ? 'State machine' : id), errorBox(err));
    return;
  }
  if (!ctx.alive()) return;
  let selected = null;
  const graphWrap = h('div', { class: 'graph-wrap', 'data-testid': 'graph' });
  const side = h('aside', { class: 'card' });
  const headEl = h('div', {});
  const historyEl = h('div', {});

  function draw() {
    const history = execution ? execution.history || [] : [];
    const enteredSeq = history.filter((e) => e.type === 'StateEntered').map((e) => e.state);
    const visited = new Set(enteredSeq);
    const taken = new Set();
    for (let i = 1; i < enteredSeq.length; i++) taken.add(`${enteredSeq[i - 1]}\u0000${enteredSeq[i]}`);
    const running = execution && execution.status === 'RUNNING';
    const failed = execution && execution.status === 'FAILED';
    const opts = { visited, taken, selected, onSelect: select,
      current: running ? execution.current_state : null,
      failed: failed ? execution.current_state : null };
    const scrollTop = graphWrap.scrollTop;
    const scrollLeft = graphWrap.scrollLeft;
    mount(graphWrap, drawGraph(definition, opts));
    graphWrap.scrollTop = scrollTop;
    graphWrap.scrollLeft = scrollLeft;
    if (selected) mount(side, stateDetail(selected, definition, history));
    else mount(side, h('h2', {}, 'State details'), h('p', { class: 'muted' }, 'Click a state (or focus it and press Enter) to see its input and output.'));
  }

  function select(name) {
    selected = name;
    draw();
    const node = graphWrap.querySelector(`[data-state="${CSS.escape(name)}"]`);
    if (node) node.focus();
  }

  function renderHead() {
    if (!execution) {
      mount(headEl, h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'State machine'),
        h('p', {}, definition.Comment || 'The workflow definition.'))));
      return;
    }
    const e = execution;
    mount(headEl,
      h('div', { class: 'page-head' },
        h('div', {}, h('h1', { class: 'mono', title: e.id }, e.id),
          h('div', { class: 'row' }, badge(e.status), h('span', {}, e.branch), h('span', { class: 'muted' }, 'started '), timeEl(e.started),
            h('span', { class: 'muted' }, `· ${duration(durationMs(e))}`),
            e.status === 'RUNNING' && e.wake_at ? h('span', { class: 'muted' }, '· next step ', timeEl(e.wake_at)) : null))),
      e.error ? h('div', { class: 'alert alert-bad' }, h('strong', {}, e.error), e.cause ? `: ${e.cause}` : '') : null);
  }

  function renderHistory() {
    if (!execution) { clear(historyEl); return; }
    const history = execution.history || [];
    mount(historyEl, h('section', { class: 'card', style: { marginTop: '1rem' } },
      h('h2', {}, `History (${history.length} events)`),
      h('div', { class: 'events table-wrap' }, h('table', {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Time'), h('th', {}, 'Event'), h('th', {}, 'State'), h('th', {}, 'Error'))),
        h('tbody', {}, history.map((ev) => {
          const tr = h('tr', { class: ev.state ? 'clickable' : '' }, h('td', {}, timeEl(ev.time, { relative: false })), h('td', {}, ev.type),
            h('td', {}, ev.state || ''), h('td', { class: 'small' }, ev.error ? `${ev.error}${ev.cause ? `: ${ev.cause}` : ''}` : ''));
          if (ev.state) tr.addEventListener('click', () => select(ev.state));
          return tr;
        }))))));
  }

  mount(root,
    h('p', {}, h('a', { href: '#/executions' }, '← Executions')),
    headEl,
    h('div', { class: 'legend', 'aria-hidden': 'true' }, h('span', { class: 'l-visited' }, 'visited'),
      h('span', { class: 'l-current' }, 'current'), h('span', { class: 'l-failed' }, 'failed here'), h('span', {}, 'not visited')),
    h('div', { class: 'inspector' }, graphWrap, side),
    historyEl);
  if (execution && execution.status !== 'RUNNING' && execution.current_state) selected = execution.current_state;
  if (execution && execution.status === 'RUNNING') selected = execution.current_state;
  renderHead();
  draw();
  renderHistory();

  if (execution) {
    const refresh = debounce(async () => {
      try {
        const fresh = await get(`/api/v1/executions/${encodeURIComponent(id)}`);
        if (!ctx.alive()) return;
        execution = fresh;
        renderHead();
        draw();
        renderHistory();
      } catch (err) {
        console.warn(err);
      }
    }, 1000);
    ctx.onCleanup(refresh.cancel);
    ctx.onCleanup(subscribe('execution', (d) => { if (d && d.execution_id === id) refresh(); }));
  }
}

export async function render(root, ctx) {
  if (ctx.params[0]) return renderExecution(root, ctx, ctx.params[0]);
  return renderList(root, ctx);
}
