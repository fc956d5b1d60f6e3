// Parameters: every parameter with its description, type and range; booleans toggle in
// place, other values edit inline (the API's 400 message is shown under the field and
// nothing changes); each parameter's history expands under its row.
import { get, put, subscribe } from '../api.js';
import { h, mount, clear, timeEl, errorBox, toast, pre } from '../dom.js';

function rangeText(p) {
  const parts = [p.type || 'string'];
  if (p.min != null && p.max != null) parts.push(`${p.min}–${p.max}`);
  else if (p.min != null) parts.push(`≥ ${p.min}`);
  else if (p.max != null) parts.push(`≤ ${p.max}`);
  if (p.unit) parts.push(p.unit);
  return parts.join(' · ');
}

const paramUrl = (name) => `/api/v1/parameters/${encodeURIComponent(name)}`;

export async function render(root, ctx) {
  const tbody = h('tbody', {});
  mount(root,
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Parameters'),
        h('p', {}, 'Values are checked on save; a refused value changes nothing. Each change is versioned and starts the parameter branch of the workflow.'))),
    h('div', { class: 'card' }, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'parameters' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Parameter'), h('th', {}, 'Value'), h('th', {}, 'Type'), h('th', { class: 'num' }, 'Version'), h('th', {}, 'Modified'), h('th', {}, ''))),
      tbody))));

  const rows = new Map();

  function valueCell(p, cell, messageEl, onSaved) {
    clear(cell);
    if (p.system_only) {
      let parsed = null;
      try { parsed = JSON.parse(p.value); } catch { parsed = p.value; }
      const details = h('details', {}, h('summary', {}, 'system data (not editable)'), pre(parsed));
      cell.appendChild(details);
      return;
    }
    async function save(value, restore) {
      messageEl.textContent = '';
      try {
        const saved = await put(paramUrl(p.name), { value });
        Object.assign(p, saved);
        toast(`${p.name} = ${saved.value}`);
        onSaved();
      } catch (err) {
        messageEl.textContent = err.message;
        if (restore) restore();
      }
    }
    if (p.type === 'bool') {
      const input = h('input', { type: 'checkbox', role: 'switch', checked: p.value === 'true', 'aria-label': p.name,
        'data-param': p.name });
      input.addEventListener('change', () => {
        input.disabled = true;
        save(input.checked ? 'true' : 'false', () => { input.checked = p.value === 'true'; })
          .finally(() => { input.disabled = false; });
      });
      cell.appendChild(h('label', { class: 'switch' }, input, h('span', { class: 'track' }),
        h('span', { class: 'param-value' }, p.value)));
      cell.appendChild(messageEl);
      return;
    }
    const showValue = () => {
      clear(cell);
      cell.append(h('div', { class: 'param-edit' }, h('span', { class: 'param-value' }, p.value),
        h('button', { type: 'button', class: 'btn btn-small', 'aria-label': `edit ${p.name}`, onclick: edit }, 'Edit')), messageEl);
    };
    function edit() {
      const input = h('input', { value: p.value, 'aria-label': `new value of ${p.name}`, 'data-param': p.name, inputmode: p.type === 'string' || p.type === 'json' ? 'text' : 'decimal' });
      const submit = async (e) => {
        e.preventDefault();
        input.removeAttribute('aria-invalid');
        const button = form.querySelector('button[type=submit]');
        button.disabled = true;
        await save(input.value, () => { input.setAttribute('aria-invalid', 'true'); input.focus(); });
        button.disabled = false;
      };
      const form = h('form', { class: 'param-edit', onsubmit: submit },
        input,
        h('button', { type: 'submit', class: 'btn btn-small btn-primary' }, 'Save'),
        h('button', { type: 'button', class: 'btn btn-small', onclick: () => { messageEl.textContent = ''; showValue(); } }, 'Cancel'));
      form.addEventListener('keydown', (e) => { if (e.key === 'Escape') { messageEl.textContent = ''; showValue(); } });
      clear(cell);
      cell.append(form, messageEl);
      input.focus();
      input.select();
    }
    showValue();
  }

  function renderRow(p) {
    const messageEl = h('div', { class: 'form-error', role: 'alert', 'data-error-for': p.name });
    const valueTd = h('td', {});
    const versionTd = h('td', { class: 'num' });
    const modifiedTd = h('td', {});
    const historyRow = h('tr', { class: 'history-row', hidden: true }, h('td', { colspan: '6' }));
    const historyButton = h('button', { type: 'button', class: 'btn btn-small', 'aria-expanded': 'false' }, 'History');
    const refreshMeta = () => {
      versionTd.textContent = String(p.version);
      mount(modifiedTd, timeEl(p.last_modified), p.modified_by ? h('div', { class: 'muted small' }, `by ${p.modified_by}`) : null);
      if (!historyRow.hidden) loadHistory();
    };
    const onSaved = () => { valueCell(p, valueTd, messageEl, onSaved); refreshMeta(); };
    async function loadHistory() {
      const td = historyRow.firstChild;
      mount(td, h('span', { class: 'muted' }, 'Loading history…'));
      try {
        const data = await get(`${paramUrl(p.name)}/history`);
        const list = [...data.history].sort((a, b) => b.version - a.version);
        mount(td, h('table', { class: 'history' },
          h('thead', {}, h('tr', {}, h('th', { class: 'num' }, 'Version'), h('th', {}, 'Value'), h('th', {}, 'When'), h('th', {}, 'By'))),
          h('tbody', {}, list.map((v) => h('tr', {}, h('td', { class: 'num' }, String(v.version)),
            h('td', { class: 'param-value' }, v.value.length > 200 ? `${v.value.slice(0, 200)}…` : v.value),
            h('td', {}, timeEl(v.last_modified, { relative: false })), h('td', {}, v.modified_by || '—'))))));
      } catch (err) {
        mount(td, errorBox(err));
      }
    }
    historyButton.addEventListener('click', () => {
      historyRow.hidden = !historyRow.hidden;
      historyButton.setAttribute('aria-expanded', String(!historyRow.hidden));
      if (!historyRow.hidden) loadHistory();
    });
    valueCell(p, valueTd, messageEl, onSaved);
    refreshMeta();
    const tr = h('tr', { 'data-param-row': p.name },
      h('td', {}, h('div', { class: 'param-name' }, p.name), h('div', { class: 'param-desc' }, p.description || '')),
      valueTd,
      h('td', { class: 'small muted' }, rangeText(p), p.default != null ? h('div', {}, `default ${p.default}`) : null),
      versionTd, modifiedTd, h('td', {}, historyButton));
    rows.set(p.name, { p, refresh: onSaved });
    return [tr, historyRow];
  }

  try {
    const data = await get('/api/v1/parameters');
    mount(tbody, data.parameters.map(renderRow));
  } catch (err) {
    mount(root, h('h1', {}, 'Parameters'), errorBox(err));
    return;
  }
  // Changes made elsewhere (CLI, another tab, the workflow) show up live.
  ctx.onCleanup(subscribe('parameter.changed', (value) => {
    const row = rows.get(value && value.name);
    if (!row || row.p.version >= value.version) return;
    Object.assign(row.p, value);
    row.refresh();
  }));
}
