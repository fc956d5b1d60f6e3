// The operator console (/), end to end against the real server: sign in; upload the two
// sample folders onto images_labeled_by_folder/ with the folder picker (the non-drag
// alternative of dropping them; a synthetic drop is checked too); toggle
// Enable-Automatic-Training on the Parameters page; watch the dashboard reach RUNNING; open
// the training execution in the graph inspector and click a state; a screenshot of every
// page; XSS in file and label names (no dialog, shown as text); and page load times with
// 10,000 detections and 1,000 review tasks (seeded with bench/seed_console_db through the
// db interfaces; set LABELLOOP_SEED_TOOL, or it is looked up next to the binary's build).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

import { ADMIN_PASSWORD, waitFor } from './lib/server.mjs';

const execFileP = promisify(execFile);
const LOAD_TARGET_MS = 300;
const XSS_FILE = '<img src=x onerror=alert(1)>.png';
const XSS_LABEL = 'x<script>alert(1)';  // no '</script>': its '/' would split the folder

let page = null;       // one signed-in tab shared by the tests, in order
const dialogs = [];    // every alert/confirm/prompt the console opened (must stay empty)

let loads = 0;
// A full page load (a new query string, so never just a fragment change of the same document).
async function go(url, hash, target = page) {
  await target.goto(`${url}/?load=${++loads}#/${hash}`);
  await waitReady(15000, target);
}

async function waitReady(timeout = 15000, target = page) {
  await target.waitForFunction(() => window.__consolePage && window.__consolePage.ready, null, { timeout });
}

async function route(hash) {  // in-app navigation (hash change), resolves when the page rendered
  await page.evaluate((h) => { window.__consolePage = { ready: false }; location.hash = h; }, `#/${hash}`);
  await waitReady();
  return page.evaluate(() => window.__consolePage.ms);
}

function seedTool(binary) {
  if (process.env.LABELLOOP_SEED_TOOL) return process.env.LABELLOOP_SEED_TOOL;
  // <build>/src/app/labelloop -> <build>/bench/seed_console_db
  const guess = path.resolve(path.dirname(binary), '..', '..', 'bench', 'seed_console_db');
  return existsSync(guess) ? guess : '';
}

function median(values) {
  const v = [...values].sort((a, b) => a - b);
  return v[Math.floor(v.length / 2)];
}

export const tests = [
  {
    name: 'sign in (wrong password refused, then admin)',
    fn: async (ctx) => {
      page = await ctx.browser.newPage({ viewport: { width: 1360, height: 900 } });
      page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });
      page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));
      await page.goto(`${ctx.url}/`);
      await page.waitForSelector('#signin-user');
      await ctx.screenshot(page, 'signin');
      await page.fill('#signin-user', 'admin');
      await page.fill('#signin-password', 'not-the-password');
      await page.press('#signin-password', 'Enter');
      await page.waitForSelector('.form-error:has-text("Wrong user name or password")');
      await page.fill('#signin-password', ADMIN_PASSWORD);
      await page.press('#signin-password', 'Enter');
      await page.waitForSelector('nav a[data-page="dashboard"][aria-current="page"]');
      await waitReady();
      assert.equal(await page.textContent('.who .user'), 'admin');
    },
  },
  {
    name: 'upload the two sample folders onto images_labeled_by_folder/ (folder picker; labels kept)',
    fn: async (ctx) => {
      await go(ctx.url, `bucket?prefix=${encodeURIComponent('images_labeled_by_folder/')}`);
      await page.waitForSelector('.empty');
      for (const folder of ['amazon_logo', 'aws_logo']) {
        await page.setInputFiles('[data-testid=folder-input]', path.join(ctx.examplesDir, folder));
      }
      await page.waitForFunction(() => {
        const boxes = [...document.querySelectorAll('[data-testid=upload-box]')];
        return boxes.length === 2 && boxes.every((b) => b.dataset.done === 'true');
      }, null, { timeout: 60000 });
      const failed = await page.$$eval('.upload-item .state.bad', (els) => els.map((e) => e.textContent));
      assert.deepEqual(failed, []);
      await page.waitForSelector('[data-testid=objects] tbody tr');
      await ctx.screenshot(page, 'bucket-uploaded');
      const keys = (await ctx.server.listObjects('images_labeled_by_folder/')).map((o) => o.key);
      assert.equal(keys.filter((k) => k.startsWith('images_labeled_by_folder/amazon_logo/')).length, 5, keys.join('\n'));
      assert.equal(keys.filter((k) => k.startsWith('images_labeled_by_folder/aws_logo/')).length, 5, keys.join('\n'));
      // Folder chips lead into a label.
      const chips = await page.$$eval('.folder-chip .name', (els) => els.map((e) => e.textContent));
      assert.deepEqual(chips, ['amazon_logo', 'aws_logo']);
    },
  },
  {
    name: 'a drop onto the drop zone uploads into the current folder',
    fn: async (ctx) => {
      await go(ctx.url, `bucket?prefix=${encodeURIComponent('manifests/')}`);
      // A synthetic drop (items without directory entries): the plain-files path.
      await page.evaluate(() => {
        const dt = new DataTransfer();
        dt.items.add(new File(['dropped'], 'dropped-note.txt', { type: 'text/plain' }));
        const zone = document.querySelector('[data-testid=dropzone]');
        for (const type of ['dragenter', 'dragover', 'drop']) {
          zone.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
        }
      });
      await page.waitForSelector('[data-testid=upload-box][data-done=true]');
      const keys = (await ctx.server.listObjects('manifests/')).map((o) => o.key);
      assert.ok(keys.includes('manifests/dropped-note.txt'), keys.join(', '));
      // Delete it again through the confirmation dialog.
      await page.waitForSelector('[data-testid=objects] tbody tr');
      await page.click('button[aria-label="delete manifests/dropped-note.txt"]');
      await page.waitForSelector('dialog[open]');
      await ctx.screenshot(page, 'bucket-delete-confirm');
      await page.click('dialog[open] [data-confirm]');
      await waitFor(async () => !(await ctx.server.listObjects('manifests/')).some((o) => o.key === 'manifests/dropped-note.txt'),
                    { what: 'the dropped object deleted' });
    },
  },
  {
    name: 'toggle Enable-Automatic-Training on the Parameters page; a bad value shows the API message',
    fn: async (ctx) => {
      await go(ctx.url, 'parameters');
      await ctx.screenshot(page, 'parameters');
      const name = 'Enable-Automatic-Training';
      const before = await ctx.server.get(`/api/v1/parameters/${name}`);
      assert.equal(before.value, 'true');
      const toggle = page.locator(`input[data-param="${name}"]`);
      await toggle.click({ force: true });  // off
      await waitFor(async () => (await ctx.server.get(`/api/v1/parameters/${name}`)).value === 'false', { what: 'false' });
      await page.waitForFunction((n) => !document.querySelector(`input[data-param="${n}"]`).disabled, name);
      await toggle.click({ force: true });  // on again: runs a training check at once
      await waitFor(async () => (await ctx.server.get(`/api/v1/parameters/${name}`)).version === before.version + 2,
                    { what: 'two new versions' });
      assert.equal((await ctx.server.get(`/api/v1/parameters/${name}`)).value, 'true');

      // Inline edit with a refused value: the 400 message shows and nothing changes.
      const f1 = 'Minimum-F1-Score';
      await page.click(`button[aria-label="edit ${f1}"]`);
      await page.fill(`input[data-param="${f1}"]`, '7');
      await page.press(`input[data-param="${f1}"]`, 'Enter');
      await page.waitForFunction((n) => document.querySelector(`[data-error-for="${n}"]`).textContent.length > 0, f1);
      const message = await page.textContent(`[data-error-for="${f1}"]`);
      ctx.log(`refused value message: ${message}`);
      assert.match(message, /Minimum-F1-Score|between|range|1/);
      assert.equal((await ctx.server.get(`/api/v1/parameters/${f1}`)).value, '0.8');
      await ctx.screenshot(page, 'parameters-invalid');
      await page.press(`input[data-param="${f1}"]`, 'Escape');
      // History of the toggled parameter.
      await page.click(`tr[data-param-row="${name}"] button:has-text("History")`);
      await page.waitForSelector('table.history tbody tr:nth-child(3)');
      await ctx.screenshot(page, 'parameters-history');
    },
  },
  {
    name: 'the dashboard reaches RUNNING live',
    fn: async (ctx) => {
      await go(ctx.url, 'dashboard');
      await ctx.screenshot(page, 'dashboard-training');
      const t0 = Date.now();
      // No reload: the dashboard follows the event stream.
      await page.waitForSelector('[data-testid=running-version]', { timeout: 300000 });
      ctx.log(`dashboard showed a RUNNING version ${((Date.now() - t0) / 1000).toFixed(1)} s after opening`);
      await page.waitForFunction(() => document.querySelector('.label-bars'));
      assert.equal(await ctx.server.runningVersion(), await page.textContent('[data-testid=running-version]'));
      await ctx.screenshot(page, 'dashboard', { fullPage: true });
    },
  },
  {
    name: 'graph inspector: the training execution\'s path, a state\'s input and output',
    fn: async (ctx) => {
      // RUNNING shows before the training execution's last steps (deploy): wait for them.
      const training = await waitFor(async () => {
        const list = await ctx.server.get('/api/v1/executions?branch=training-poll&limit=20');
        return list.executions.find((e) => e.current_state === 'Model deployed');
      }, { what: "a training execution ending in 'Model deployed'", timeoutMs: 120000 });
      await go(ctx.url, 'executions');
      await page.waitForSelector('[data-testid=executions] tbody tr');
      await ctx.screenshot(page, 'executions');
      await page.click(`a[title="${training.id}"]`);
      await page.waitForSelector('[data-testid=graph] svg .node.visited');
      const visited = await page.$$eval('[data-testid=graph] .node.visited', (ns) => ns.map((n) => n.dataset.state));
      for (const s of ['Route event', 'Check training', 'Create model version', 'Deploy model', 'Model deployed']) {
        assert.ok(visited.includes(s), `${s} not highlighted; visited: ${visited.join(', ')}`);
      }
      assert.ok(await page.$$eval('[data-testid=graph] .edge.taken', (es) => es.length) >= 5);
      await page.click('[data-testid=graph] .node[data-state="Check F1 score"]');
      await page.waitForSelector('[data-testid=state-detail] h2:has-text("Check F1 score")');
      const detail = await page.textContent('[data-testid=state-detail]');
      assert.match(detail, /Input/);
      assert.match(detail, /Output/);
      assert.match(detail, /"passed"/);
      await ctx.screenshot(page, 'execution-graph', { fullPage: true });
      // The branch filter.
      await go(ctx.url, 'executions?branch=parameter-change');
      const branches = await page.$$eval('[data-testid=executions] tbody tr td:nth-child(2)', (tds) => tds.map((t) => t.textContent));
      assert.ok(branches.length > 0 && branches.every((b) => b === 'parameter-change'), branches.join(','));
    },
  },
  {
    name: 'screenshots of the other pages (models, detections, notifications, users and a token shown once)',
    fn: async (ctx) => {
      const version = await ctx.server.runningVersion();
      await go(ctx.url, 'models');
      await page.waitForSelector('[data-testid=models] tbody tr');
      await ctx.screenshot(page, 'models');
      await go(ctx.url, `models/${encodeURIComponent(version)}`);
      await page.waitForSelector('[data-testid=per-label] tbody tr');
      await page.waitForSelector('[data-testid=confusion] td.cell');
      await ctx.screenshot(page, 'model-version', { fullPage: true });

      // A detection through the API so the log and histogram have something.
      const { readFile, readdir } = await import('node:fs/promises');
      const dir = path.join(ctx.examplesDir, 'inference_images');
      const first = (await readdir(dir)).sort()[0];
      await ctx.server.putObject(`images_for_detection/${first}`, await readFile(path.join(dir, first)));
      await waitFor(async () => (await ctx.server.get('/api/v1/detections?limit=1')).detections.length > 0,
                    { what: 'a detection', timeoutMs: 60000 });
      await go(ctx.url, 'detections');
      await page.waitForSelector('[data-testid=detections] tbody tr');
      await page.waitForSelector('.histogram svg');
      await ctx.screenshot(page, 'detections');

      // The preview draws the top label's box where the log says; "Show box" hides it.
      const logged = (await ctx.server.get('/api/v1/detections?limit=1')).detections[0];
      const geo = logged.labels.find((l) => l.name === logged.label).geometry;
      assert.ok(geo && geo.width > 0 && geo.height > 0, JSON.stringify(logged));
      await page.waitForSelector('[data-testid=detection-box]');
      await page.waitForFunction(() => {
        const img = document.querySelector('[data-testid=detection-image]');
        return img && img.complete && img.naturalWidth > 0;
      });
      const placed = await page.evaluate((g) => {
        const r = document.querySelector('[data-testid=detection-image]').getBoundingClientRect();
        const b = document.querySelector('[data-testid=detection-box]').getBoundingClientRect();
        const want = { left: r.left + g.left * r.width, top: r.top + g.top * r.height, width: g.width * r.width, height: g.height * r.height };
        return Math.max(Math.abs(b.left - want.left), Math.abs(b.top - want.top), Math.abs(b.width - want.width), Math.abs(b.height - want.height));
      }, geo);
      assert.ok(placed <= 1.5, `box off by ${placed} px`);
      await page.uncheck('#det-show-box');
      await page.waitForSelector('[data-testid=detection-box]', { state: 'hidden' });
      await page.check('#det-show-box');
      await page.waitForSelector('[data-testid=detection-box]', { state: 'visible' });
      await ctx.screenshot(page, 'detections-box');

      await go(ctx.url, 'notifications');
      await page.waitForSelector('[data-testid=inbox] li');
      const unread = await page.$$('[data-testid=inbox] li.unread');
      assert.ok(unread.length > 0);
      await page.click('[data-testid=inbox] li.unread button:has-text("Mark read")');
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=inbox] li.unread').length === n - 1, unread.length);
      await ctx.screenshot(page, 'notifications');
      await go(ctx.url, 'notifications/deliveries');
      await ctx.screenshot(page, 'deliveries');

      await go(ctx.url, 'users');
      await page.fill('#new-token-name', `ci-uploader-${Date.now()}`);
      await page.selectOption('#new-token-role', 'consumer');
      await page.click('button:has-text("Create token")');
      await page.waitForSelector('[data-testid=new-token] .secret');
      const secret = (await page.textContent('[data-testid=new-token] .secret')).trim();
      assert.ok(secret.length >= 20);
      await ctx.screenshot(page, 'users-token-created');
      const r = await fetch(`${ctx.url}/api/v1/models`, { headers: { Authorization: `Bearer ${secret}` } });
      assert.equal(r.status, 200);
      await go(ctx.url, 'users');  // shown once: gone after a reload
      assert.equal(await page.$('[data-testid=new-token]'), null);
      assert.ok(!(await page.content()).includes(secret));
      const user = `rev${Date.now() % 100000}`;
      await page.fill('#new-user-name', user);
      await page.fill('#new-user-password', 'rev1-password-123');
      await page.click('button:has-text("Add user")');
      await page.waitForSelector(`[data-testid=users] td:has-text("${user}")`);
      await ctx.screenshot(page, 'users');

      // Phone-sized bucket page.
      const phone = await ctx.browser.newPage({ viewport: { width: 390, height: 844 } });
      await phone.context().addCookies(await page.context().cookies());
      await go(ctx.url, 'dashboard', phone);
      await ctx.screenshot(phone, 'dashboard-phone', { fullPage: true });
      await phone.close();
    },
  },
  {
    name: 'XSS: markup in file and label names is shown as text, never run',
    fn: async (ctx) => {
      const prefix = `images_labeled_by_folder/${XSS_LABEL}/`;
      await go(ctx.url, `bucket?prefix=${encodeURIComponent(prefix)}`);
      const png = await (await import('node:fs/promises')).readFile(
        path.join(ctx.examplesDir, 'amazon_logo', (await (await import('node:fs/promises')).readdir(path.join(ctx.examplesDir, 'amazon_logo')))[0]));
      await page.setInputFiles('[data-testid=file-input]', { name: XSS_FILE, mimeType: 'image/png', buffer: png });
      await page.waitForSelector('[data-testid=upload-box][data-done=true]');
      const failed = await page.$$eval('.upload-item .state.bad', (els) => els.map((e) => e.textContent));
      assert.deepEqual(failed, [], 'the API refused the XSS key');
      await page.waitForSelector('[data-testid=objects] tbody tr');
      const cell = await page.textContent('[data-testid=objects] td.key');
      assert.equal(cell, XSS_FILE);
      // The label shows on the dashboard as text.
      await go(ctx.url, 'dashboard');
      await page.waitForSelector('.label-bars');
      const labels = await page.$$eval('.label-bars .name', (els) => els.map((e) => e.textContent));
      assert.ok(labels.includes(XSS_LABEL), labels.join(', '));
      await go(ctx.url, `bucket?prefix=${encodeURIComponent('images_labeled_by_folder/')}`);
      await page.waitForSelector('.folder-chip');
      await page.waitForTimeout(300);
      await ctx.screenshot(page, 'xss-escaped');
      assert.equal(await page.$('img[src="x"]'), null);
      assert.equal(await page.$$eval('script', (ss) => ss.filter((s) => !s.src).length), 0);
      assert.deepEqual(dialogs, [], `dialogs opened: ${dialogs.join(', ')}`);
    },
  },
  {
    name: 'page load times with 10,000 detections and 1,000 review tasks',
    fn: async (ctx) => {
      const tool = seedTool(ctx.server.binary);
      if (!tool) {
        ctx.log('SKIPPED: build bench/seed_console_db (or set LABELLOOP_SEED_TOOL) to measure page loads at scale');
        return;
      }
      const db = path.join(ctx.server.dataDir, 'data', 'labelloop.db');
      const image = (await ctx.server.get('/api/v1/detections?limit=1')).detections[0].image_key;
      const seeded = await execFileP(tool, [db, '10000', '1000', image, 'seed-v1']);
      ctx.log(seeded.stdout.trim());
      const total = (await ctx.server.get('/api/v1/detections?limit=1')).total;
      assert.ok(total >= 10000, `detections: ${total}`);
      const reviews = (await ctx.server.get('/api/v1/reviews?limit=1')).total;
      assert.ok(reviews >= 1000, `review tasks: ${reviews}`);

      const pages = ['dashboard', 'bucket', 'parameters', 'models', 'executions', 'detections',
        'detections?version=seed-v1&review_status=pending', 'detections?q=seed', 'notifications', 'users'];
      const rows = [];
      for (const p of pages) {
        // Full load (HTML, modules, session, data) and in-app navigation (the usual case).
        const full = [];
        for (let i = 0; i < 3; i++) {
          const t0 = Date.now();
          await go(ctx.url, p);
          full.push(Date.now() - t0);
        }
        const inApp = [];
        for (let i = 0; i < 5; i++) {
          await route('notifications/deliveries');
          inApp.push(await route(p));
        }
        rows.push({ page: p, full_load_ms: median(full), navigate_ms: Math.round(median(inApp)) });
      }
      await go(ctx.url, 'detections?version=seed-v1');
      await ctx.screenshot(page, 'detections-10k');
      ctx.log('console page loads with 10,000 detections and 1,000 review tasks (median ms):');
      for (const r of rows) ctx.log(`  ${r.page.padEnd(48)} full load ${String(r.full_load_ms).padStart(5)}   in-app ${String(r.navigate_ms).padStart(5)}`);
      // The target is for opening a page in the running console (data fetched and rendered);
      // a full load adds the HTML, the modules and the session check, reported only.
      const slow = rows.filter((r) => r.navigate_ms > LOAD_TARGET_MS);
      assert.deepEqual(slow, [], `pages over the ${LOAD_TARGET_MS} ms target`);
    },
  },
];
