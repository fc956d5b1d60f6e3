// Bucket: browse the five top-level prefixes (GET /api/v1/objects, paged by continuation),
// thumbnails, upload files and whole folders by drag and drop or with the file/folder
// pickers (folder names kept: dropping amazon_logo/ onto images_labeled_by_folder/ creates
// that label), one PUT per file with a progress bar, and delete with confirmation.
import { get, del, objectUrl, query, uploadObject } from '../api.js';
import { h, s, mount, clear, bytes, timeEl, empty, errorBox, spinner, toast, confirmDialog } from '../dom.js';

const PREFIXES = ['images_labeled_by_folder/', 'images_for_detection/', 'a2i-human-loop-data/', 'evaluation/', 'manifests/'];
const PREFIX_HELP = {
  'images_labeled_by_folder/': 'Training images. Each folder is a label: drop a folder of images here to create or extend that label.',
  'images_for_detection/': 'Images dropped here are classified by the running model version.',
  'a2i-human-loop-data/': 'Answers of human reviewers (JSON), written when a review task completes.',
  'evaluation/': 'Evaluation results and model artefacts of each version.',
  'manifests/': 'Training manifests (one JSON line per image).',
};
const IMAGE_EXT = /\.(jpe?g|png|gif|webp|bmp)$/i;
const PAGE_SIZE = 100;
const UPLOAD_CONCURRENCY = 3;

function folderIcon() {
  return s('svg', { class: 'folder-icon', viewBox: '0 0 16 16', width: '14', height: '14', 'aria-hidden': 'true' },
    s('path', { d: 'M1.5 3.5h4.2l1.4 1.6h7.4v7.9H1.5z', fill: '#f3c14b', stroke: '#c99a1e', 'stroke-width': '1' }));
}

function topPrefix(prefix) {
  return PREFIXES.find((p) => prefix.startsWith(p)) || PREFIXES[0];
}

// Files from a drop, with their relative paths: folders are walked with webkitGetAsEntry
// (the entries must be taken before the first await, while the DataTransfer is alive).
async function filesFromDrop(dataTransfer) {
  const items = dataTransfer.items ? [...dataTransfer.items].filter((i) => i.kind === 'file') : [];
  const entries = items.map((i) => (i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (!entries.length || entries.some((e) => !e)) {
    return [...dataTransfer.files].map((file) => ({ path: file.name, file }));
  }
  const out = [];
  const readBatch = (reader) => new Promise((resolve, reject) => reader.readEntries(resolve, reject));
  async function walk(entry, dir) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      out.push({ path: dir + file.name, file });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (let batch = await readBatch(reader); batch.length; batch = await readBatch(reader)) {
        for (const child of batch) await walk(child, `${dir}${entry.name}/`);
      }
    }
  }
  for (const entry of entries) await walk(entry, '');
  return out;
}

function filesFromInput(input) {
  return [...input.files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

export async function render(root, ctx) {
  let prefix = ctx.query.get('prefix') || PREFIXES[0];
  if (!PREFIXES.some((p) => prefix.startsWith(p))) prefix = PREFIXES[0];
  const top = topPrefix(prefix);

  const listEl = h('div', { class: 'listing' });
  const foldersEl = h('div', { class: 'folders' });
  const uploadsEl = h('div', { class: 'uploads', 'aria-live': 'polite' });
  const countEl = h('span', { class: 'muted small' });
  const moreButton = h('button', { type: 'button', class: 'btn', hidden: true }, 'Load more');
  const rowsBody = h('tbody', {});
  const folders = new Map();  // name -> count seen
  let continuation = null;
  let loaded = 0;

  // Sidebar of prefixes; each also takes drops.
  const prefixLinks = PREFIXES.map((p) => {
    const a = h('a', { href: `#/bucket?prefix=${encodeURIComponent(p)}`, 'aria-current': p === top ? 'true' : 'false', 'data-prefix': p }, p);
    attachDrop(a, () => p);
    return a;
  });

  // Breadcrumbs: prefix segments.
  const parts = prefix.split('/').filter(Boolean);
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': 'Folder' },
    parts.map((part, i) => {
      const p = `${parts.slice(0, i + 1).join('/')}/`;
      return [i ? h('span', { class: 'muted' }, '/') : null,
        i === parts.length - 1 ? h('strong', {}, part) : h('a', { href: `#/bucket?prefix=${encodeURIComponent(p)}` }, part)];
    }), h('span', { class: 'muted' }, '/'));

  const fileInput = h('input', { type: 'file', multiple: true, hidden: true, id: 'upload-files', 'data-testid': 'file-input' });
  const folderInput = h('input', { type: 'file', multiple: true, hidden: true, id: 'upload-folder', webkitdirectory: true, 'data-testid': 'folder-input' });
  fileInput.addEventListener('change', () => { startUploads(prefix, filesFromInput(fileInput)); fileInput.value = ''; });
  folderInput.addEventListener('change', () => { startUploads(prefix, filesFromInput(folderInput)); folderInput.value = ''; });

  const dropzone = h('div', { class: 'dropzone', 'data-testid': 'dropzone' },
    h('p', {}, h('strong', {}, 'Drop files or folders here'), ` to upload them into ${prefix}`),
    h('div', { class: 'row', style: { justifyContent: 'center' } },
      h('button', { type: 'button', class: 'btn', onclick: () => fileInput.click() }, 'Choose files…'),
      h('button', { type: 'button', class: 'btn', onclick: () => folderInput.click() }, 'Choose a folder…')),
    fileInput, folderInput);
  attachDrop(dropzone, () => prefix);

  mount(root,
    h('div', { class: 'page-head' },
      h('div', {}, h('h1', {}, 'Bucket'), h('p', {}, PREFIX_HELP[top]))),
    h('div', { class: 'bucket' },
      h('aside', { class: 'card prefixes', 'aria-label': 'Top-level prefixes' }, prefixLinks),
      h('section', { class: 'stack' },
        dropzone, uploadsEl,
        h('div', { class: 'card' },
          h('div', { class: 'row' }, crumbs, h('span', { class: 'spacer' }), countEl,
            h('button', { type: 'button', class: 'btn btn-small', onclick: () => reload() }, 'Refresh')),
          foldersEl,
          listEl,
          h('div', { class: 'pager' }, h('span', {}), moreButton)))));

  function attachDrop(el, targetPrefix) {
    let depth = 0;
    el.addEventListener('dragenter', (e) => { e.preventDefault(); depth += 1; el.classList.add('drop-hover'); });
    el.addEventListener('dragover', (e) => { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; });
    el.addEventListener('dragleave', () => { depth -= 1; if (depth <= 0) { depth = 0; el.classList.remove('drop-hover'); } });
    el.addEventListener('drop', async (e) => {
      e.preventDefault();
      depth = 0;
      el.classList.remove('drop-hover');
      try {
        startUploads(targetPrefix(), await filesFromDrop(e.dataTransfer));
      } catch (err) {
        toast(`Could not read the dropped files: ${err.message}`, 'bad');
      }
    });
  }

  function startUploads(target, files) {
    const skipped = [];
    const jobs = [];
    for (const { path, file } of files) {
      if (path.split('/').some((seg) => seg.startsWith('.'))) { skipped.push(`${path} (hidden file)`); continue; }
      if (target === 'images_labeled_by_folder/' && !path.includes('/')) {
        skipped.push(`${path} (not in a label folder: drop a folder, or open a label folder first)`);
        continue;
      }
      jobs.push({ key: target + path, file });
    }
    if (skipped.length) {
      uploadsEl.appendChild(h('div', { class: 'alert alert-warn' }, `Skipped ${skipped.length} file(s): `,
        skipped.slice(0, 5).join('; '), skipped.length > 5 ? '; …' : ''));
    }
    if (!jobs.length) return;
    const box = h('div', { class: 'card', 'data-testid': 'upload-box' }, h('h3', {}, `Uploading ${jobs.length} file(s) to ${target}`));
    uploadsEl.prepend(box);
    for (const job of jobs) {
      job.progress = h('progress', { max: '1', value: '0' });
      job.state = h('span', { class: 'state muted' }, 'waiting');
      box.appendChild(h('div', { class: 'upload-item' }, h('span', { class: 'key', title: job.key }, job.key), job.progress, job.state));
    }
    let next = 0;
    let failed = 0;
    async function worker() {
      while (next < jobs.length) {
        const job = jobs[next++];
        job.state.textContent = 'uploading';
        try {
          await uploadObject(job.key, job.file, (f) => { job.progress.value = f; });
          job.state.textContent = 'done';
          job.state.className = 'state ok';
        } catch (err) {
          failed += 1;
          job.state.textContent = err.message;
          job.state.title = err.message;
          job.state.className = 'state bad';
        }
      }
    }
    Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, jobs.length) }, worker)).then(() => {
      const summary = failed ? `${jobs.length - failed} of ${jobs.length} uploaded, ${failed} failed` : `${jobs.length} file(s) uploaded`;
      box.firstChild.textContent = `${summary} to ${target}`;
      box.dataset.done = 'true';
      toast(summary, failed ? 'bad' : 'ok');
      if (ctx.alive()) reload();
    });
  }

  function renderFolders() {
    clear(foldersEl);
    for (const [name, count] of [...folders.entries()].sort()) {
      foldersEl.appendChild(h('a', { class: 'folder-chip', href: `#/bucket?prefix=${encodeURIComponent(`${prefix}${name}/`)}`, title: name },
        folderIcon(), h('span', { class: 'name' }, name),
        h('span', { class: 'n' }, continuation ? `${count}+` : String(count))));
    }
  }

  function row(o) {
    const rel = o.key.slice(prefix.length);
    const url = objectUrl(o.key);
    const thumb = IMAGE_EXT.test(o.key)
      ? h('a', { href: url, target: '_blank', rel: 'noopener', 'aria-label': `open ${rel}` },
        h('img', { class: 'thumb', src: url, alt: '', loading: 'lazy', width: '48', height: '48' }))
      : h('span', { class: 'thumb-placeholder' }, (o.key.split('.').pop() || '').slice(0, 5));
    const tr = h('tr', {},
      h('td', {}, thumb),
      h('td', { class: 'key' }, IMAGE_EXT.test(o.key) ? rel : h('a', { href: url, target: '_blank', rel: 'noopener' }, rel)),
      h('td', { class: 'num' }, bytes(o.size)),
      h('td', {}, timeEl(o.last_modified)),
      h('td', { class: 'num' }, h('button', { type: 'button', class: 'btn btn-small btn-danger', 'aria-label': `delete ${o.key}`,
        onclick: async () => {
          const ok = await confirmDialog('Delete object?', `${o.key} will be removed from the bucket. This cannot be undone.`);
          if (!ok) return;
          try {
            await del(url);
            tr.remove();
            toast(`Deleted ${o.key}`);
          } catch (err) {
            toast(err.message, 'bad');
          }
        } }, 'Delete')));
    return tr;
  }

  async function loadPage() {
    moreButton.disabled = true;
    const data = await get(`/api/v1/objects${query({ prefix, continuation, limit: PAGE_SIZE })}`);
    if (!ctx.alive()) return;
    continuation = data.continuation || null;
    for (const o of data.objects) {
      const rest = o.key.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash > 0) folders.set(rest.slice(0, slash), (folders.get(rest.slice(0, slash)) || 0) + 1);
      rowsBody.appendChild(row(o));
    }
    loaded += data.objects.length;
    renderFolders();
    if (!loaded) {
      mount(listEl, empty(`Nothing under ${prefix} yet.`,
        top === 'images_labeled_by_folder/' ? 'Drop a folder of images above; its name becomes the label.' : null));
    } else if (!listEl.contains(rowsBody)) {
      mount(listEl, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'objects' },
        h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', {}, 'Key'), h('th', { class: 'num' }, 'Size'), h('th', {}, 'Modified'), h('th', {}, ''))),
        rowsBody)));
    }
    countEl.textContent = `${loaded}${continuation ? '+' : ''} object(s)`;
    moreButton.hidden = !continuation;
    moreButton.disabled = false;
  }

  async function reload() {
    continuation = null;
    loaded = 0;
    folders.clear();
    clear(rowsBody);
    mount(listEl, spinner());
    try {
      await loadPage();
    } catch (err) {
      mount(listEl, errorBox(err));
    }
  }

  moreButton.addEventListener('click', () => loadPage().catch((err) => toast(err.message, 'bad')));
  await reload();
}
