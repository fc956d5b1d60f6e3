// The console shell: sign-in, navigation, hash routing (#/dashboard, #/bucket?prefix=...,
// #/executions/<id>, ...) with one ES module per page under pages/, and the live stream.
// Each page module exports render(root, ctx); ctx.onCleanup(fn) runs when the page is left.
import { api, setCsrfToken, onUnauthenticated, openStream, closeStream, onStreamState } from './api.js';
import { h, mount, errorBox, spinner } from './dom.js';

const PAGES = [
  { path: 'dashboard', title: 'Dashboard', module: './pages/dashboard.js' },
  { path: 'bucket', title: 'Bucket', module: './pages/bucket.js' },
  { path: 'parameters', title: 'Parameters', module: './pages/parameters.js' },
  { path: 'models', title: 'Models', module: './pages/models.js' },
  { path: 'executions', title: 'Executions', module: './pages/executions.js' },
  { path: 'detections', title: 'Detections', module: './pages/detections.js' },
  { path: 'notifications', title: 'Notifications', module: './pages/notifications.js' },
  { path: 'users', title: 'Users & tokens', module: './pages/users.js' },
];

const app = document.getElementById('app');
let session = null;
let cleanups = [];
let renderSeq = 0;

// Page timing for tests and the curious: window.__consolePage = {route, ms, ready}.
window.__consolePage = { route: null, ms: null, ready: false };

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const segments = pathPart.split('/').filter(Boolean).map((s) => decodeURIComponent(s));
  return { page: segments[0] || 'dashboard', params: segments.slice(1), query: new URLSearchParams(queryPart) };
}

function runCleanups() {
  for (const fn of cleanups) {
    try { fn(); } catch (err) { console.error(err); }
  }
  cleanups = [];
}

function signInPage(message) {
  runCleanups();
  closeStream();
  document.title = 'Sign in · labelloop';
  const error = h('div', { class: 'form-error', role: 'alert' });
  if (message) error.textContent = message;
  const user = h('input', { id: 'signin-user', name: 'user', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password',
    autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }, 'Sign in');
  const form = h('form', { class: 'signin-card', novalidate: true },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'labelloop'),
    h('p', { class: 'muted' }, 'Operator console'),
    h('label', { for: 'signin-user' }, 'User'), user,
    h('label', { for: 'signin-password' }, 'Password'), password,
    error, button,
    h('p', { class: 'muted small' }, 'Reviewers: the labelling portal is at ', h('a', { href: '/label' }, '/label'), '.'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!user.value || !password.value) {
      error.textContent = 'Enter your user name and password.';
      return;
    }
    button.disabled = true;
    button.textContent = 'Signing in…';
    try {
      const s = await api('POST', '/api/v1/session', { user: user.value, password: password.value });
      await startSession(s);
    } catch (err) {
      error.textContent = err.status === 401 ? 'Wrong user name or password.' : err.message;
      button.disabled = false;
      button.textContent = 'Sign in';
      password.select();
    }
  });
  mount(app, h('main', { id: 'main', class: 'signin' }, form));
  (user.value ? password : user).focus();
}

// A one-time password (the first admin's printed one) must be replaced before anything else:
// the API refuses every other call until then.
function changePasswordPage(s, message) {
  document.title = 'Choose a password · labelloop';
  const error = h('div', { class: 'form-error', role: 'alert' });
  if (message) error.textContent = message;
  const current = h('input', { id: 'change-current', name: 'current', type: 'password',
    autocomplete: 'current-password', required: true, autofocus: true });
  const next = h('input', { id: 'change-new', name: 'new', type: 'password', autocomplete: 'new-password', required: true });
  const again = h('input', { id: 'change-again', name: 'again', type: 'password', autocomplete: 'new-password', required: true });
  const button = h('button', { type: 'submit', class: 'btn btn-primary btn-wide' }, 'Change password');
  const form = h('form', { class: 'signin-card', novalidate: true },
    h('div', { class: 'brand brand-large' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'labelloop'),
    h('p', {}, `${s.user} signed in with a one-time password. Choose your own password to continue.`),
    h('label', { for: 'change-current' }, 'One-time password'), current,
    h('label', { for: 'change-new' }, 'New password (at least 8 characters)'), next,
    h('label', { for: 'change-again' }, 'New password again'), again,
    error, button,
    h('button', { type: 'button', class: 'btn btn-ghost btn-wide', onclick: signOut }, 'Sign out'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    if (!current.value || !next.value) { error.textContent = 'Enter the one-time password and a new one.'; return; }
    if (next.value !== again.value) { error.textContent = 'The two new passwords differ.'; again.select(); return; }
    button.disabled = true;
    button.textContent = 'Changing…';
    try {
      const fresh = await api('POST', '/api/v1/session/password',
        { current_password: current.value, new_password: next.value });
      await startSession(fresh);
    } catch (err) {
      error.textContent = err.message;
      button.disabled = false;
      button.textContent = 'Change password';
    }
  });
  mount(app, h('main', { id: 'main', class: 'signin' }, form));
  current.focus();
}

async function startSession(s) {
  session = s;
  setCsrfToken(s.csrf_token);
  if (s.must_change_password) {
    changePasswordPage(s);
    return;
  }
  if (s.role !== 'admin') {
    mount(app, h('main', { id: 'main', class: 'signin' }, h('div', { class: 'signin-card' },
      h('h1', {}, `Signed in as ${s.user} (${s.role})`),
      h('p', {}, 'The operator console is for admins. ',
        s.role === 'reviewer' ? h('span', {}, 'Reviewers label images in the ', h('a', { href: '/label' }, 'labelling portal'), '.') : ''),
      h('button', { class: 'btn', type: 'button', onclick: signOut }, 'Sign out'))));
    return;
  }
  renderShell();
  openStream();
  if (!location.hash || location.hash === '#' || location.hash === '#/') location.replace('#/dashboard');
  await route();
}

async function signOut() {
  try { await api('DELETE', '/api/v1/session'); } catch (err) { console.warn(err); }
  session = null;
  setCsrfToken(null);
  signInPage('You are signed out.');
}

let contentEl = null;
let navLinks = [];

function renderShell() {
  const live = h('span', { class: 'live', title: 'Live updates' }, h('span', { class: 'dot' }), h('span', { class: 'live-text' }, 'live'));
  cleanups.push(onStreamState((state) => {
    live.dataset.state = state;
    live.lastChild.textContent = state === 'open' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : 'offline';
  }));
  navLinks = PAGES.map((p) => h('a', { href: `#/${p.path}`, 'data-page': p.path }, p.title));
  const menuButton = h('button', { type: 'button', class: 'btn btn-ghost menu-toggle', 'aria-expanded': 'false',
    'aria-controls': 'nav' }, 'Menu');
  const nav = h('nav', { id: 'nav', 'aria-label': 'Console pages' }, navLinks);
  menuButton.addEventListener('click', () => {
    const open = nav.classList.toggle('open');
    menuButton.setAttribute('aria-expanded', String(open));
  });
  nav.addEventListener('click', () => { nav.classList.remove('open'); menuButton.setAttribute('aria-expanded', 'false'); });
  contentEl = h('main', { id: 'main', tabindex: '-1' });
  mount(app,
    h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: '#/dashboard' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'labelloop'),
      menuButton, nav,
      h('div', { class: 'who' }, live,
        h('span', { class: 'user', title: `role: ${session.role}` }, session.user),
        h('button', { type: 'button', class: 'btn btn-ghost', onclick: signOut }, 'Sign out'))),
    contentEl);
}

async function route() {
  if (!session || !contentEl) return;
  const seq = ++renderSeq;
  runCleanupsForPage();
  const { page, params, query } = parseHash();
  const def = PAGES.find((p) => p.path === page);
  for (const a of navLinks) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  window.__consolePage = { route: page, ms: null, ready: false };
  const started = performance.now();
  if (!def) {
    mount(contentEl, h('h1', {}, 'Not found'), h('p', {}, 'No console page here. '), h('a', { href: '#/dashboard' }, 'Go to the dashboard'));
    return;
  }
  document.title = `${def.title} · labelloop`;
  const root = h('div', { class: 'page', 'data-page': def.path });
  mount(contentEl, root);
  root.appendChild(spinner());
  const ctx = {
    params, query, session,
    alive: () => seq === renderSeq,
    onCleanup: (fn) => pageCleanups.push(fn),
    navigate: (hash) => { location.hash = hash; },
  };
  try {
    const mod = await import(def.module);
    if (seq !== renderSeq) return;
    root.textContent = '';
    await mod.render(root, ctx);
  } catch (err) {
    if (seq !== renderSeq) return;
    console.error(err);
    mount(root, h('h1', {}, def.title), errorBox(err));
  }
  if (seq !== renderSeq) return;
  const ms = performance.now() - started;
  window.__consolePage = { route: page, ms, ready: true };
  root.dataset.ready = 'true';
}

let pageCleanups = [];
function runCleanupsForPage() {
  for (const fn of pageCleanups) {
    try { fn(); } catch (err) { console.error(err); }
  }
  pageCleanups = [];
}

onUnauthenticated(() => {
  if (session) {
    session = null;
    runCleanupsForPage();
    signInPage('Your session has ended. Sign in again.');
  }
});

window.addEventListener('hashchange', () => { route(); });

async function boot() {
  mount(app, spinner('Starting…'));
  try {
    const s = await api('GET', '/api/v1/session');
    await startSession(s);
  } catch (err) {
    if (err.status === 401) signInPage();
    else mount(app, h('main', { id: 'main', class: 'signin' }, h('div', { class: 'signin-card' }, errorBox(err))));
  }
}

boot();
