// Users and API tokens (admin only): list, add, remove, set password; create tokens (the
// secret is shown once, here, and never again), list and revoke them.
import { get, post, put, del } from '../api.js';
import { h, mount, badge, timeEl, empty, errorBox, toast, confirmDialog } from '../dom.js';

const ROLES = ['admin', 'reviewer', 'consumer'];

function roleSelect(id) {
  return h('select', { id }, ROLES.map((r) => h('option', { value: r, selected: r === 'reviewer' }, r)));
}

export async function render(root, ctx) {
  const usersCard = h('section', { class: 'card' });
  const tokensCard = h('section', { class: 'card' });
  mount(root,
    h('div', { class: 'page-head' }, h('div', {}, h('h1', {}, 'Users & tokens'),
      h('p', {}, 'Admins use this console, reviewers the labelling portal, consumers upload and detect with API tokens.'))),
    h('div', { class: 'grid-2', style: { marginTop: 0 } }, usersCard, tokensCard));

  async function loadUsers() {
    const nameInput = h('input', { id: 'new-user-name', autocomplete: 'off', required: true });
    const passwordInput = h('input', { id: 'new-user-password', type: 'password', autocomplete: 'new-password', required: true });
    const role = roleSelect('new-user-role');
    const error = h('div', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'new-user-name' }, 'Name'), nameInput),
      h('div', { class: 'field' }, h('label', { for: 'new-user-password' }, 'Password'), passwordInput),
      h('div', { class: 'field' }, h('label', { for: 'new-user-role' }, 'Role'), role),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Add user'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        await post('/api/v1/users', { name: nameInput.value.trim(), password: passwordInput.value, role: role.value });
        toast(`Added ${nameInput.value.trim()}`);
        await loadUsers();
      } catch (err) {
        error.textContent = err.message;
      }
    });
    let users;
    try {
      users = (await get('/api/v1/users')).users;
    } catch (err) {
      mount(usersCard, h('h2', {}, 'Users'), errorBox(err));
      return;
    }
    if (!ctx.alive()) return;
    mount(usersCard, h('h2', {}, 'Users'),
      users.length ? h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'users' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Role'), h('th', {}, 'Last sign-in'), h('th', {}, ''))),
        h('tbody', {}, users.map((u) => h('tr', {},
          h('td', {}, u.name, u.name === ctx.session.user ? h('span', { class: 'muted small' }, ' (you)') : null),
          h('td', {}, badge(u.role)),
          h('td', {}, timeEl(u.last_login)),
          h('td', { class: 'num' }, h('div', { class: 'row end' },
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => changePassword(u.name) }, 'Password…'),
            u.name === ctx.session.user ? null : h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: async () => {
              if (!(await confirmDialog(`Remove ${u.name}?`, 'The user can no longer sign in; their sessions end.', { confirmText: 'Remove' }))) return;
              try { await del(`/api/v1/users/${encodeURIComponent(u.name)}`); toast(`Removed ${u.name}`); await loadUsers(); } catch (err) { toast(err.message, 'bad'); }
            } }, 'Remove')))))))) : empty('No users.'),
      h('h3', { style: { marginTop: '1rem' } }, 'Add a user'), form, error);
  }

  function changePassword(name) {
    const input = h('input', { type: 'password', id: 'pw-new', autocomplete: 'new-password' });
    const error = h('div', { class: 'form-error', role: 'alert' });
    const dialog = h('dialog', { class: 'dialog' });
    const close = () => { dialog.close(); dialog.remove(); };
    const form = h('form', { class: 'stack' },
      h('h2', {}, `New password for ${name}`),
      h('div', { class: 'field' }, h('label', { for: 'pw-new' }, 'Password'), input), error,
      h('div', { class: 'row end' }, h('button', { type: 'button', class: 'btn', onclick: close }, 'Cancel'),
        h('button', { type: 'submit', class: 'btn btn-primary' }, 'Set password')));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await put(`/api/v1/users/${encodeURIComponent(name)}/password`, { password: input.value });
        close();
        toast(`Password of ${name} changed`);
      } catch (err) {
        error.textContent = err.message;
      }
    });
    dialog.appendChild(form);
    document.body.appendChild(dialog);
    dialog.showModal();
    input.focus();
  }

  async function loadTokens(created) {
    const nameInput = h('input', { id: 'new-token-name', autocomplete: 'off', required: true });
    const role = roleSelect('new-token-role');
    role.value = 'consumer';
    const error = h('div', { class: 'form-error', role: 'alert' });
    const form = h('form', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'new-token-name' }, 'Name'), nameInput),
      h('div', { class: 'field' }, h('label', { for: 'new-token-role' }, 'Role'), role),
      h('button', { type: 'submit', class: 'btn btn-primary' }, 'Create token'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      error.textContent = '';
      try {
        const token = await post('/api/v1/tokens', { name: nameInput.value.trim(), role: role.value });
        await loadTokens(token);
      } catch (err) {
        error.textContent = err.message;
      }
    });
    let tokens;
    try {
      tokens = (await get('/api/v1/tokens')).tokens;
    } catch (err) {
      mount(tokensCard, h('h2', {}, 'API tokens'), errorBox(err));
      return;
    }
    if (!ctx.alive()) return;
    const secretBox = created ? h('div', { class: 'alert alert-ok', 'data-testid': 'new-token' },
      h('p', {}, h('strong', {}, `Token "${created.name}" (${created.role}) created.`), ' Copy it now: it is not shown again.'),
      h('div', { class: 'secret' }, created.token),
      h('div', { class: 'row', style: { marginTop: '.5rem' } },
        h('button', { type: 'button', class: 'btn btn-small', onclick: async (e) => {
          try { await navigator.clipboard.writeText(created.token); e.target.textContent = 'Copied'; } catch { e.target.textContent = 'Select the text and copy it'; }
        } }, 'Copy'),
        h('span', { class: 'muted small' }, 'Use it as: Authorization: Bearer <token>'))) : null;
    mount(tokensCard, h('h2', {}, 'API tokens'), secretBox,
      tokens.length ? h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'tokens' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Name'), h('th', {}, 'Role'), h('th', {}, 'Created'), h('th', {}, 'Last used'), h('th', {}, ''))),
        h('tbody', {}, tokens.map((t) => h('tr', {},
          h('td', {}, t.name), h('td', {}, badge(t.role)), h('td', {}, timeEl(t.created)), h('td', {}, timeEl(t.last_used)),
          h('td', { class: 'num' }, t.revoked ? badge('revoked', 'muted') : h('button', { type: 'button', class: 'btn btn-small btn-danger', onclick: async () => {
            if (!(await confirmDialog(`Revoke ${t.name}?`, 'Requests with this token are refused from now on.', { confirmText: 'Revoke' }))) return;
            try { await del(`/api/v1/tokens/${encodeURIComponent(t.name)}`); toast(`Revoked ${t.name}`); await loadTokens(); } catch (err) { toast(err.message, 'bad'); }
          } }, 'Revoke'))))))) : empty('No API tokens.'),
      h('h3', { style: { marginTop: '1rem' } }, 'Create a token'), form, error);
  }

  await Promise.all([loadUsers(), loadTokens()]);
}
