// The labelling portal: sign in, take review tasks one after another, answer with the
// keyboard or by touch. Design:
// - Prefetch: up to PREFETCH tasks beyond the shown one are claimed and their images decoded
//   in hidden <img> elements, so "next" is a class change (no network on the hot path).
// - Undo: an answer is held in the page for UNDO_MS before it is POSTed (the server has no
//   "unanswer"); Z within that time puts the task back on screen with its answer selected.
//   A newer answer, leaving the page or hiding the tab sends a held answer at once.
// - Everything user-controlled (labels, keys, messages) goes into the DOM as text.
import { api, ApiError, objectUrl, setCsrfToken } from './api.js';
import { TaskSource } from './tasks.js';
import { Viewer } from './viewer.js';

const UNDO_MS = 3000;
const PREFETCH = 2;
const EMPTY_POLL_MS = 5000;
const COUNT_POLL_MS = 15000;
const HOLD_REFRESH_MS = 60000;
const IDLE_MS = 4 * 60000;  // an idle reviewer's tasks are let go (the server's hold lapses)
const NONE_LABEL = 'None of the Above';

const $ = (id) => document.getElementById(id);

const state = {
  me: null,            // {user, role}
  source: null,        // TaskSource
  current: null,       // the task on screen
  queue: [],           // claimed, prefetched tasks
  pending: null,       // {task, label, timer, sent} an answer held for undo
  selected: undefined, // undefined: nothing; null: None of the Above; string: a label
  skipped: new Set(),
  newLabels: [],       // labels this reviewer created in this visit
  done: 0,
  prefetching: false,
  timers: [],
};
let viewer = null;

// ---------- small DOM helpers ----------

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function fileName(key) {
  const i = key.lastIndexOf('/');
  return i < 0 ? key : key.slice(i + 1);
}

function hint(text, kind) {
  const h = $('panel-hint');
  h.textContent = text || '';
  h.classList.toggle('hint-error', kind === 'error');
}

// ---------- sign-in ----------

function showSignin(message) {
  stopTimers();
  $('app').hidden = true;
  $('signin').hidden = false;
  const err = $('signin-error');
  err.hidden = !message;
  err.textContent = message || '';
  $('signin-user').focus();
}

async function onSignin(e) {
  e.preventDefault();
  const user = $('signin-user').value.trim();
  const password = $('signin-password').value;
  const err = $('signin-error');
  if (!user || !password) {
    err.textContent = 'Enter your user name and password.';
    err.hidden = false;
    return;
  }
  $('signin-submit').disabled = true;
  try {
    const s = await api('POST', '/api/v1/session', { user, password });
    $('signin-password').value = '';
    start(s);
  } catch (ex) {
    err.textContent = ex.status === 401 ? 'Wrong user name or password.' : ex.message;
    err.hidden = false;
  } finally {
    $('signin-submit').disabled = false;
  }
}

async function signOut() {
  if (state.pending) await sendAnswer(state.pending);
  const held = [state.current, ...state.queue].filter(Boolean);
  await Promise.allSettled(held.map((t) => api('POST', `/api/v1/reviews/${encodeURIComponent(t.name)}/release`)));
  try { await api('DELETE', '/api/v1/session'); } catch (e) { /* signed out anyway */ }
  resetWork();
  showSignin();
}

function resetWork() {
  for (const t of [state.current, ...state.queue]) if (t) viewer.forget(t.name);
  state.current = null;
  state.queue = [];
  state.pending = null;
  state.selected = undefined;
  state.skipped.clear();
  hideToast();
}

// ---------- the work loop ----------

function start(session) {
  if (session.must_change_password) {
    // The API refuses everything until the one-time password is replaced; the console asks for it.
    showSignin(`'${session.user}' signed in with a one-time password: choose your own password in the console (/console) first.`);
    return;
  }
  if (session.role !== 'reviewer' && session.role !== 'admin') {
    showSignin(`The account '${session.user}' is a ${session.role} account; the labelling portal needs a reviewer account.`);
    return;
  }
  state.me = { user: session.user, role: session.role };
  setCsrfToken(session.csrf_token);
  state.source = new TaskSource(state.me);
  state.source.onTotal = showCount;
  $('who').textContent = session.user;
  $('signin').hidden = true;
  $('app').hidden = false;
  state.done = 0;
  $('done-count').textContent = '0';
  showLoading(true);
  firstTask();
  state.timers.push(setInterval(() => state.source.refreshTotal().catch(onBackgroundError), COUNT_POLL_MS));
  state.timers.push(setInterval(() => { if (state.queue.length < PREFETCH) fill(); }, EMPTY_POLL_MS));
  state.timers.push(setInterval(refreshHolds, HOLD_REFRESH_MS));
}

function stopTimers() {
  for (const t of state.timers) clearInterval(t);
  state.timers = [];
}

async function firstTask() {
  try {
    const t = await state.source.claimFirst();
    state.source.refreshTotal().catch(onBackgroundError);
    if (t) enqueue(t);
  } catch (e) {
    onBackgroundError(e);
  }
  if (!state.current) advance();
  fill();
}

function busy(name) {
  return (state.current && state.current.name === name) || state.queue.some((t) => t.name === name) ||
    (state.pending && state.pending.task.name === name) || state.skipped.has(name);
}

function enqueue(task) {
  if (busy(task.name)) return;
  state.queue.push(task);
  viewer.preload(task.name, task.image_url || objectUrl(task.image_key), fileName(task.image_key));
}

// Claims and preloads tasks until PREFETCH wait behind the shown one.
async function fill() {
  if (state.prefetching || !state.me) return;
  state.prefetching = true;
  try {
    while (state.queue.length < PREFETCH + (state.current ? 0 : 1)) {
      const t = await state.source.claimAnother(busy);
      if (!t) break;
      enqueue(t);
      if (!state.current) advance();
    }
  } catch (e) {
    onBackgroundError(e);
  } finally {
    state.prefetching = false;
  }
  if (!state.current) showEmpty();
}

// Shows the next prefetched task (or the empty state) and tops the queue up.
function advance() {
  state.current = state.queue.shift() || null;
  state.selected = undefined;
  render();
  fill();
}

function render() {
  const t = state.current;
  $('app').classList.toggle('no-task', !t);
  if (!t) {
    viewer.hideAll();
    $('task-info').hidden = true;
    $('labels').replaceChildren();
    $('new-label-form').hidden = true;
    updateButtons();
    if (state.prefetching) showLoading(true); else showEmpty();
    return;
  }
  showLoading(false);
  $('stage-empty').hidden = true;
  const url = t.image_url || objectUrl(t.image_key);
  viewer.preload(t.name, url, fileName(t.image_key));
  viewer.setBox(t.model_geometry, t.model_label || '');
  viewer.show(t.name);
  $('zoom-box').disabled = !viewer.hasBox;
  $('task-info').hidden = false;
  $('task-file').textContent = fileName(t.image_key);
  $('task-file').title = t.image_key;
  const src = $('task-source');
  src.textContent = t.source === 'sampling' ? 'Quality sample'
    : t.selection === 'random' ? 'Low confidence · random pick' : 'Low confidence';
  src.className = 'badge ' + (t.source === 'sampling' ? 'badge-sample' : 'badge-low');
  src.title = queueReason(t);
  $('task-model').textContent = t.model_label
    ? `Model guessed ${t.model_label} (${Number(t.model_confidence).toFixed(0)}%)` : 'No model guess';
  renderLabels(t);
  $('new-label-form').hidden = true;
  hint('');
}

// Why the task came now (the badge's tooltip): the queue hands out higher priority first.
function queueReason(t) {
  if (typeof t.priority !== 'number') return '';
  const why = {
    uncertainty: 'ranked by how much the answer teaches the model',
    random: 'a random pick, to measure quality without bias',
    sampled: 'a quality-control sample, at a random place',
    unranked: 'queued before ranking',
  }[t.selection] || t.selection || '';
  return `Queue priority ${t.priority.toFixed(2)}: ${why}`;
}

function labelsOf(task) {
  const out = [];
  for (const l of [...(task.candidate_labels || []), ...state.newLabels]) if (!out.includes(l)) out.push(l);
  return out;
}

function renderLabels(task) {
  const box = $('labels');
  const buttons = [];
  labelsOf(task).forEach((label, i) => {
    const b = el('button', 'label-btn');
    b.type = 'button';
    b.dataset.label = label;
    if (i < 9) b.appendChild(el('kbd', 'key', String(i + 1)));
    b.appendChild(el('span', 'label-name', label));
    if (label === task.model_label) b.appendChild(el('span', 'label-guess', 'model'));
    b.addEventListener('click', () => choose(label));
    buttons.push(b);
  });
  const none = el('button', 'label-btn label-none');
  none.type = 'button';
  none.dataset.none = '1';
  none.append(el('kbd', 'key', '0'), el('span', 'label-name', NONE_LABEL));
  none.addEventListener('click', () => choose(null));
  const add = el('button', 'label-btn label-new');
  add.type = 'button';
  add.append(el('kbd', 'key', 'N'), el('span', 'label-name', 'New label…'));
  add.addEventListener('click', openNewLabel);
  box.replaceChildren(...buttons, none, add);
  updateButtons();
}

function updateButtons() {
  for (const b of $('labels').querySelectorAll('.label-btn')) {
    let on = false;
    if (b.dataset.none) on = state.selected === null;
    else if (b.dataset.label !== undefined) on = state.selected === b.dataset.label;
    b.classList.toggle('selected', on);
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
  }
  $('submit').disabled = !state.current || state.selected === undefined;
  $('skip').disabled = !state.current;
}

// A click on the selected answer submits it (two taps on a phone).
function choose(label) {
  if (!state.current) return;
  if (state.selected === label) { submit(); return; }
  state.selected = label;
  $('new-label-form').hidden = true;
  updateButtons();
  hint(window.matchMedia('(hover: none)').matches ? 'Tap again or press Submit.' : 'Press Enter (or click again) to submit.');
}

function pickIndex(i) {
  if (!state.current) return;
  const labels = labelsOf(state.current);
  if (i < labels.length) {
    state.selected = labels[i];
    updateButtons();
    hint('');
  } else {
    hint(`There is no label ${i + 1}.`, 'error');
  }
}

function openNewLabel() {
  if (!state.current) return;
  const f = $('new-label-form');
  f.hidden = false;
  $('new-label-error').hidden = true;
  const input = $('new-label-input');
  input.value = typeof state.selected === 'string' && !labelsOf(state.current).includes(state.selected)
    ? state.selected : '';
  input.focus();
}

function labelProblem(label) {
  if (!label) return 'Type a label name.';
  if (label.includes('/')) return 'A label is one folder name: it cannot contain "/".';
  if (label.startsWith('.')) return 'A label cannot start with "." (such names are reserved).';
  if (new TextEncoder().encode(label).length > 128) return 'A label can have at most 128 bytes.';
  if (/[\u0000-\u001f\u007f-\u009f\\]/.test(label)) return 'A label cannot contain control characters or "\\".';
  if (label.toLowerCase() === NONE_LABEL.toLowerCase()) return 'Use the "None of the Above" button (0) instead.';
  return '';
}

function onNewLabel(e) {
  e.preventDefault();
  const label = $('new-label-input').value.trim();
  const problem = labelProblem(label);
  const err = $('new-label-error');
  if (problem) {
    err.textContent = problem;
    err.hidden = false;
    return;
  }
  state.selected = label;
  $('new-label-form').hidden = true;
  submit();
}

function submit() {
  const t = state.current;
  if (!t) return;
  if (state.selected === undefined) {
    hint('Pick a label first: 1–9, or 0 for None of the Above.', 'error');
    return;
  }
  performance.mark('labelloop-submit');
  if (state.pending) sendAnswer(state.pending);
  const label = state.selected;
  if (typeof label === 'string' && !(t.candidate_labels || []).includes(label) && !state.newLabels.includes(label)) {
    state.newLabels.push(label);
  }
  const p = { task: t, label, sent: false, timer: 0 };
  p.timer = setTimeout(() => sendAnswer(p), UNDO_MS);
  state.pending = p;
  advance();
  performance.mark('labelloop-next-shown');
  showToast(`Answered “${label === null ? NONE_LABEL : label}”`, true);
}

function undo() {
  const p = state.pending;
  if (!p || p.sent) {
    hint(state.done > 0 ? 'Too late to undo: the answer is saved.' : 'Nothing to undo.', 'error');
    return;
  }
  clearTimeout(p.timer);
  state.pending = null;
  if (state.current) state.queue.unshift(state.current);
  state.current = p.task;
  render();
  state.selected = p.label;
  updateButtons();
  hideToast();
  hint('Answer undone: change it and submit again.');
}

async function sendAnswer(p, { keepalive = false } = {}) {
  if (p.sent) return;
  p.sent = true;
  clearTimeout(p.timer);
  if (state.pending === p) {
    state.pending = null;
    hideToast();
  }
  const t = p.task;
  state.source.dead.add(t.name);
  for (let attempt = 0; ; attempt++) {
    try {
      await api('POST', `/api/v1/reviews/${encodeURIComponent(t.name)}/answer`, { label: p.label }, { keepalive });
      state.done += 1;
      $('done-count').textContent = String(state.done);
      if (state.source.total) state.source.setTotal(Math.max(0, state.source.total - 1));
      break;
    } catch (e) {
      if (e instanceof ApiError && e.status === 0 && attempt < 4) {
        await new Promise((r) => setTimeout(r, 1000 * (attempt + 1)));
        continue;
      }
      if (e instanceof ApiError && e.status === 401) { showSignin('Your session ended: sign in again.'); return; }
      showToast(`Your answer for ${fileName(t.image_key)} was not saved: ${e.message}`, false, 'error');
      break;
    }
  }
  viewer.forget(t.name);
}

async function skip() {
  const t = state.current;
  if (!t) return;
  state.skipped.add(t.name);
  advance();
  viewer.forget(t.name);
  hint(`Skipped ${fileName(t.image_key)}; it is back in the queue for others.`);
  try {
    await api('POST', `/api/v1/reviews/${encodeURIComponent(t.name)}/release`);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 409)) onBackgroundError(e);
  }
}

// Keeps the hold on tasks in hand while the reviewer is active (the server lets an opened task
// go after a while, so the tasks of someone who walked away return to the queue).
let lastActivity = Date.now();
function noteActivity() {
  const idle = Date.now() - lastActivity > IDLE_MS;
  lastActivity = Date.now();
  if (idle && state.me) refreshHolds();
}

async function refreshHolds() {
  if (Date.now() - lastActivity > IDLE_MS) return;
  const soon = Date.now() + 2 * HOLD_REFRESH_MS;
  for (const t of [state.current, ...state.queue]) {
    if (!t || !t.claim_expires || Date.parse(t.claim_expires) > soon) continue;
    try {
      const fresh = await api('POST', `/api/v1/reviews/${encodeURIComponent(t.name)}/claim`);
      t.claim_expires = fresh.claim_expires;
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) dropTask(t);
      else onBackgroundError(e);
    }
  }
}

function dropTask(t) {
  state.queue = state.queue.filter((q) => q !== t);
  viewer.forget(t.name);
  if (state.current === t) {
    hint('This task was taken back (held too long); here is the next one.', 'error');
    advance();
  }
}

function onBackgroundError(e) {
  if (e instanceof ApiError && e.status === 401) {
    resetWork();
    showSignin('Your session ended: sign in again.');
    return;
  }
  if (e instanceof ApiError && e.status === 403) {
    showSignin('This account may not review tasks.');
    return;
  }
  hint(e.message || String(e), 'error');
}

// ---------- status displays ----------

function showCount(n) {
  if (n === null || n === undefined) return;
  $('queue-count').textContent = String(n);
  $('queue-count-unit').textContent = n === 1 ? 'task waiting' : 'tasks waiting';
}

function showLoading(on) {
  $('stage-loading').hidden = !on;
  if (on) $('stage-empty').hidden = true;
}

function showEmpty() {
  if (state.current) return;
  showLoading(false);
  $('stage-empty').hidden = false;
  const skipped = state.skipped.size;
  $('stage-empty-title').textContent = skipped ? 'Nothing left but what you skipped' : 'No tasks waiting';
  $('stage-empty-text').textContent = skipped
    ? `You skipped ${skipped} task${skipped === 1 ? '' : 's'}. New images appear here as soon as they need a review.`
    : 'All caught up. New images appear here as soon as they need a review.';
  $('stage-retry').hidden = skipped === 0;
}

let toastTimer = 0;
function showToast(text, withUndo, kind) {
  const toast = $('toast');
  $('toast-text').textContent = text;
  $('toast-undo').hidden = !withUndo;
  toast.classList.toggle('toast-error', kind === 'error');
  const bar = $('toast-bar');
  bar.hidden = !withUndo;
  bar.classList.remove('run');
  void bar.offsetWidth;  // restart the countdown animation
  if (withUndo) {
    bar.style.animationDuration = `${UNDO_MS}ms`;
    bar.classList.add('run');
  }
  toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideToast, withUndo ? UNDO_MS : 6000);
}

function hideToast() {
  clearTimeout(toastTimer);
  $('toast').hidden = true;
}

function toggleHelp(force) {
  const help = $('help');
  const show = force === undefined ? help.hidden : force;
  help.hidden = !show;
  $('help-toggle').setAttribute('aria-expanded', show ? 'true' : 'false');
  try { localStorage.setItem('labelloop.portal.help', show ? 'shown' : 'hidden'); } catch (e) { /* private mode */ }
  if (show && window.matchMedia('(max-width: 760px)').matches) help.scrollIntoView({ block: 'nearest' });
}

// Instructions start open on a wide screen until the reviewer hides them; on a phone, closed.
function initialHelp() {
  let saved = null;
  try { saved = localStorage.getItem('labelloop.portal.help'); } catch (e) { /* private mode */ }
  const wide = window.matchMedia('(min-width: 761px)').matches;
  const show = saved ? saved === 'shown' : wide;
  $('help').hidden = !show;
  $('help-toggle').setAttribute('aria-expanded', show ? 'true' : 'false');
}

// ---------- the model's box ----------

function toggleBox(force) {
  const show = force === undefined ? !viewer.boxVisible : force;
  viewer.setBoxVisible(show);
  $('box-toggle').setAttribute('aria-pressed', show ? 'true' : 'false');
  try { localStorage.setItem('labelloop.portal.box', show ? 'shown' : 'hidden'); } catch (e) { /* private mode */ }
}

function initialBox() {
  let saved = null;
  try { saved = localStorage.getItem('labelloop.portal.box'); } catch (e) { /* private mode */ }
  toggleBox(saved !== 'hidden');
}

// ---------- keyboard ----------

function onKey(e) {
  if (e.ctrlKey || e.metaKey || e.altKey || $('app').hidden) return;
  const target = e.target;
  const typing = target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA');
  if (typing) {
    if (e.key === 'Escape') {
      $('new-label-form').hidden = true;
      target.blur();
    }
    return;
  }
  const k = e.key;
  let handled = true;
  if (k >= '1' && k <= '9') pickIndex(Number(k) - 1);
  else if (k === '0') { if (state.current) { state.selected = null; updateButtons(); hint(''); } }
  else if (k === 'Enter') submit();
  else if (k === 's' || k === 'S') skip();
  else if (k === 'z' || k === 'Z') undo();
  else if (k === 'n' || k === 'N') openNewLabel();
  else if (k === '+' || k === '=') viewer.zoomBy(1.25);
  else if (k === '-' || k === '_') viewer.zoomBy(0.8);
  else if (k === 'f' || k === 'F') viewer.fit();
  else if (k === 'g' || k === 'G') viewer.zoomToBox();
  else if (k === 'b' || k === 'B') toggleBox();
  else if (k === '?' || k === 'h' || k === 'H') toggleHelp();
  else if (k === 'Escape') { toggleHelp(false); $('new-label-form').hidden = true; }
  else handled = false;
  if (handled) e.preventDefault();
}

// ---------- boot ----------

async function boot() {
  viewer = new Viewer($('stage'), (scale) => { $('zoom-level').textContent = `${Math.round(scale * 100)}%`; });
  $('signin-form').addEventListener('submit', onSignin);
  $('signout').addEventListener('click', signOut);
  $('submit').addEventListener('click', submit);
  $('skip').addEventListener('click', skip);
  $('toast-undo').addEventListener('click', undo);
  $('help-toggle').addEventListener('click', () => toggleHelp());
  $('new-label-form').addEventListener('submit', onNewLabel);
  $('new-label-input').addEventListener('input', () => { $('new-label-error').hidden = true; });
  $('zoom-in').addEventListener('click', () => viewer.zoomBy(1.25));
  $('zoom-out').addEventListener('click', () => viewer.zoomBy(0.8));
  $('zoom-fit').addEventListener('click', () => viewer.fit());
  $('zoom-box').addEventListener('click', () => viewer.zoomToBox());
  $('box-toggle').addEventListener('click', () => toggleBox());
  $('stage-retry').addEventListener('click', () => {
    state.skipped.clear();
    state.source.forgetEmpty();
    showLoading(true);
    fill();
  });
  document.addEventListener('keydown', onKey);
  document.addEventListener('keydown', noteActivity, true);
  document.addEventListener('pointerdown', noteActivity, true);
  initialHelp();
  initialBox();
  // A held answer must not be lost when the page goes away.
  const flush = () => { if (state.pending) sendAnswer(state.pending, { keepalive: true }); };
  window.addEventListener('pagehide', flush);
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'hidden') flush(); });

  try {
    const s = await api('GET', '/api/v1/session');
    start(s);
  } catch (e) {
    showSignin(e.status === 401 ? '' : e.message);
  }
}

boot();
