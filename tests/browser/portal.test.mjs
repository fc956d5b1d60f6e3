// The labelling portal (/label), end to end: train on the two sample folders, detect the
// inference images (every detection below 100% confidence goes to review), sign in as a
// reviewer and label with the keyboard only (1-9, 0, Enter, S, Z), check the model's box is
// drawn where the API says (G zooms to it, B hides it), measure the time from
// Enter to the next image on screen, and check that an answered image lands in
// images_labeled_by_folder/<label>/. Screenshots: desktop and phone.
import assert from 'node:assert/strict';
import path from 'node:path';

import { waitFor } from './lib/server.mjs';

const REVIEWER = 'rita';
const REVIEWER_PASSWORD = 'rita-password-123';
const THINK_MS = 400;        // a quick reviewer's decision time between images
const NEXT_IMAGE_MS = 100;   // target: the next image shows within this after Enter

// Installs the timing probe: Enter's event time -> the frame after the stage shows another
// task whose image is decoded (double requestAnimationFrame: after that frame is painted).
function installProbe(page) {
  return page.evaluate(() => {
    const probe = { submitAt: null, samples: [] };
    window.__probe = probe;
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') probe.submitAt = { t: e.timeStamp, from: document.getElementById('stage').dataset.task };
    }, true);
    const stage = document.getElementById('stage');
    new MutationObserver(() => {
      const s = probe.submitAt;
      const now = stage.dataset.task;
      if (!s || !now || now === s.from) return;
      probe.submitAt = null;
      const img = stage.querySelector('img.shown');
      const done = (ready) => requestAnimationFrame(() => requestAnimationFrame(() => {
        probe.samples.push({ task: now, ms: performance.now() - s.t, ready_when_shown: ready });
      }));
      if (img && img.complete && img.naturalWidth > 0) done(true);
      else if (img) img.addEventListener('load', () => done(false), { once: true });
    }).observe(stage, { attributes: true, attributeFilter: ['data-task'] });
  });
}

async function shownTask(page) {
  return page.evaluate(() => {
    const stage = document.getElementById('stage');
    const img = stage.querySelector('img.shown');
    if (!stage.dataset.task || !img || !img.complete || img.naturalWidth === 0) return null;
    return stage.dataset.task;
  });
}

async function labelsOnScreen(page) {
  return page.$$eval('#labels .label-btn[data-label]', (bs) => bs.map((b) => b.dataset.label));
}

async function signIn(page, url) {
  await page.goto(`${url}/label`);
  await page.waitForSelector('#signin-user', { state: 'visible' });
  await page.focus('#signin-user');
  await page.keyboard.type(REVIEWER);
  await page.keyboard.press('Tab');
  await page.keyboard.type(REVIEWER_PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForSelector('#app', { state: 'visible' });
}

function stats(values) {
  const v = [...values].sort((a, b) => a - b);
  // Linearly interpolated quantile (numpy's default): with ~9 samples a nearest-rank p90 is
  // the maximum, so one scheduler hiccup on a loaded machine decided the whole figure.
  const q = (p) => {
    const at = p * (v.length - 1);
    const lo = Math.floor(at);
    return lo + 1 < v.length ? v[lo] + (v[lo + 1] - v[lo]) * (at - lo) : v[lo];
  };
  return { n: v.length, min: v[0], median: q(0.5), p90: q(0.9), max: v[v.length - 1] };
}

export const tests = [
  {
    name: 'reviewer labels with the keyboard; answers reach the training folders; next image < 100 ms',
    fn: async (ctx) => {
      const { server, browser, url } = ctx;

      // --- seed: a running model and review tasks ---
      const trained = await server.trainOnExamples(ctx.examplesDir);
      ctx.log(`model ${trained.version} RUNNING ${trained.seconds.toFixed(1)} s after the toggle`);
      await server.setParameter('Minimum-Label-Detection-Confidence', '100');
      const inference = path.join(ctx.examplesDir, 'inference_images');
      const uploaded = await server.uploadFolder(inference, 'images_for_detection/');
      // Every detection is logged, and each one under 100% has its review task.
      const tasks = await waitFor(async () => {
        const d = await server.get('/api/v1/detections?limit=100');
        if (d.detections.length < uploaded.length) return null;
        const below = d.detections.filter((x) => x.confidence < 100).length;
        const r = await server.get('/api/v1/reviews?status=InProgress&limit=100');
        return below > 0 && r.total === below ? r : null;
      }, { timeoutMs: 180000, what: 'review tasks for the inference images', log: () => server.tail() });
      ctx.log(`${tasks.total} review tasks waiting`);
      // The order the portal must hand them out in: highest priority first, then oldest.
      const queue = (await server.get('/api/v1/reviews?status=InProgress&order=queue&limit=100')).reviews;
      ctx.log(`queue: ${queue.map((t) => `${t.selection} ${t.priority.toFixed(3)}`).join(', ')}`);
      await server.createUser(REVIEWER, REVIEWER_PASSWORD, 'reviewer');

      // --- sign in (keyboard) ---
      const context = await browser.newContext({ viewport: { width: 1366, height: 860 } });
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      // 401s of the sign-in steps are expected; anything else (a CSP violation...) is not.
      page.on('console', (m) => {
        if (m.type() === 'error' && !/Failed to load resource.*401/.test(m.text())) pageErrors.push(m.text());
      });
      await page.goto(`${url}/label`);
      await page.waitForSelector('#signin-user', { state: 'visible' });
      await ctx.screenshot(page, 'signin');
      await page.focus('#signin-user');
      await page.keyboard.type(REVIEWER);
      await page.keyboard.press('Tab');
      await page.keyboard.type('wrong-password');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#signin-error', { state: 'visible' });
      assert.match(await page.textContent('#signin-error'), /wrong user name or password/i);
      await page.fill('#signin-password', '');
      await page.focus('#signin-password');
      await page.keyboard.type(REVIEWER_PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForSelector('#app', { state: 'visible' });
      const first = await waitFor(() => shownTask(page), { what: 'the first task image' });
      const shownOrder = [first];
      await waitFor(async () => (await page.textContent('#queue-count')) === String(tasks.total),
                    { what: `the queue count ${tasks.total}` });
      const labels = await labelsOnScreen(page);
      assert.deepEqual([...labels].sort(), ['amazon_logo', 'aws_logo']);
      await installProbe(page);

      // Instructions panel: open at first on a wide screen; '?' hides and shows it.
      await page.waitForSelector('#help', { state: 'visible' });
      await ctx.screenshot(page, 'instructions');
      await page.keyboard.press('?');
      await page.waitForSelector('#help', { state: 'hidden' });
      await page.keyboard.press('?');
      await page.waitForSelector('#help', { state: 'visible' });

      // Zoom with the keyboard and back to fit.
      await page.keyboard.press('+');
      await page.keyboard.press('+');
      assert.notEqual(await page.textContent('#zoom-level'), '');
      await ctx.screenshot(page, 'zoomed');
      await page.keyboard.press('f');

      // The model's box: drawn over the image where the API says (model_geometry), at fit and
      // zoomed; G zooms to it (a small logo fills the stage), B hides and shows it.
      const firstTask = await server.get(`/api/v1/reviews/${first}`);
      const g = firstTask.model_geometry;
      assert.ok(g && g.width > 0 && g.height > 0, `model_geometry of ${first}: ${JSON.stringify(firstTask)}`);
      const boxError = () => page.evaluate((geo) => {
        const img = document.querySelector('#stage img.shown');
        const box = document.querySelector('#stage [data-testid=model-box]');
        if (!img || !box || box.hidden) return { error: 'no box shown' };
        const r = img.getBoundingClientRect();
        const b = box.getBoundingClientRect();
        const want = { left: r.left + geo.left * r.width, top: r.top + geo.top * r.height, width: geo.width * r.width, height: geo.height * r.height };
        const off = Math.max(Math.abs(b.left - want.left), Math.abs(b.top - want.top), Math.abs(b.width - want.width), Math.abs(b.height - want.height));
        const stage = document.getElementById('stage').getBoundingClientRect();
        return { off, width: b.width, centre: [b.left + b.width / 2 - stage.left - stage.width / 2, b.top + b.height / 2 - stage.top - stage.height / 2] };
      }, g);
      const atFit = await boxError();
      assert.ok(atFit.off <= 1.5, `box at fit: ${JSON.stringify(atFit)}`);
      await page.keyboard.press('g');
      const zoomed = await boxError();
      assert.ok(zoomed.off <= 1.5, `box zoomed: ${JSON.stringify(zoomed)}`);
      assert.ok(zoomed.width >= atFit.width, `G zooms in to the box: ${atFit.width} -> ${zoomed.width}`);
      assert.ok(Math.abs(zoomed.centre[0]) <= 2 && Math.abs(zoomed.centre[1]) <= 2, `box centred: ${zoomed.centre}`);
      await ctx.screenshot(page, 'zoomed-to-box');
      await page.keyboard.press('b');
      await page.waitForSelector('#stage [data-testid=model-box]', { state: 'hidden' });
      assert.equal(await page.getAttribute('#box-toggle', 'aria-pressed'), 'false');
      await page.keyboard.press('b');
      await page.waitForSelector('#stage [data-testid=model-box]', { state: 'visible' });
      await page.keyboard.press('f');
      assert.ok((await boxError()).off <= 1.5);
      await ctx.screenshot(page, 'model-box');

      // --- task 1: pick 1, submit, undo (Z) within 3 s, then submit again ---
      await page.keyboard.press('1');
      assert.equal(await page.getAttribute('#labels .label-btn[data-label]:nth-child(1)', 'aria-pressed'), 'true');
      await ctx.screenshot(page, 'task-selected');
      const firstLabel = labels[0];
      await page.keyboard.press('Enter');
      await waitFor(async () => { const t = await shownTask(page); return t && t !== first; }, { what: 'the second task' });
      await page.waitForSelector('#toast', { state: 'visible' });
      await ctx.screenshot(page, 'undo-toast');
      await page.keyboard.press('z');
      await waitFor(async () => (await shownTask(page)) === first, { what: 'the undone task back on screen' });
      assert.equal(await page.getAttribute('#labels .label-btn[data-label]:nth-child(1)', 'aria-pressed'), 'true',
                   'undo restores the answer given');
      // Nothing was sent during the undo window: the task is still open.
      const stillOpen = await server.get(`/api/v1/reviews/${first}`);
      assert.equal(stillOpen.status, 'InProgress');
      assert.equal(stillOpen.answer_count, 0);
      await page.waitForTimeout(THINK_MS);
      await page.keyboard.press('Enter');
      const answered = [{ task: first, label: firstLabel }];

      // --- the rest: alternate labels, one "None of the Above" (0), one skip (S) ---
      let skipped = null;
      let noneTask = null;
      for (let i = 1; i < 100; i++) {
        const shown = await waitFor(async () => {
          const t = await shownTask(page);
          if (t && !answered.some((a) => a.task === t) && t !== skipped) return t;
          const empty = await page.isVisible('#stage-empty');
          return empty ? 'EMPTY' : null;
        }, { what: `task ${i + 1} on screen`, timeoutMs: 15000 });
        if (shown === 'EMPTY') break;
        shownOrder.push(shown);
        await page.waitForTimeout(THINK_MS);
        if (i === 2 && !skipped) {
          skipped = shown;
          await page.keyboard.press('s');
          continue;
        }
        if (i === 3) {
          noneTask = shown;
          await page.keyboard.press('0');
          answered.push({ task: shown, label: null });
        } else {
          const k = i % 2;
          await page.keyboard.press(String(k + 1));
          answered.push({ task: shown, label: labels[k] });
        }
        await page.keyboard.press('Enter');
      }
      await page.waitForSelector('#stage-empty', { state: 'visible' });
      await ctx.screenshot(page, 'empty-after-skip');
      ctx.log(`answered ${answered.length} tasks (skipped ${skipped})`);
      assert.deepEqual(shownOrder, queue.slice(0, shownOrder.length).map((t) => t.name),
                       'the portal shows the tasks in queue order');
      assert.ok(answered.length >= 3, `at least 3 answered, got ${answered.length}`);

      // --- timings ---
      const samples = await page.evaluate(() => window.__probe.samples);
      const times = samples.map((s) => s.ms);
      const st = stats(times);
      ctx.log(`submit -> next image shown (ms): ${times.map((t) => t.toFixed(1)).join(' ')}`);
      ctx.log(`[ metric ] portal next image after submit: n=${st.n} min=${st.min.toFixed(1)} ` +
              `median=${st.median.toFixed(1)} p90=${st.p90.toFixed(1)} max=${st.max.toFixed(1)} ms ` +
              `(prefetched and decoded before submit: ${samples.filter((s) => s.ready_when_shown).length}/${samples.length})`);
      assert.ok(st.n >= answered.length - 1, `a timing per submit that had a next task (${st.n})`);
      assert.ok(st.median < NEXT_IMAGE_MS, `median ${st.median.toFixed(1)} ms >= ${NEXT_IMAGE_MS} ms`);
      assert.ok(st.p90 < NEXT_IMAGE_MS, `p90 ${st.p90.toFixed(1)} ms >= ${NEXT_IMAGE_MS} ms`);

      // --- the answers reached the server (the last one after its 3 s undo window) ---
      await waitFor(async () => {
        const r = await server.get(`/api/v1/reviews/${answered[answered.length - 1].task}`);
        return r.status === 'Completed';
      }, { what: 'the last answer saved after the undo window', timeoutMs: 15000 });
      await waitFor(async () => (await page.textContent('#done-count')) === String(answered.length),
                    { what: `done count ${answered.length}` });
      for (const a of answered) {
        const r = await server.get(`/api/v1/reviews/${a.task}`);
        assert.equal(r.status, 'Completed', `${a.task} completed`);
        assert.equal(r.final_label, a.label, `${a.task} answered ${a.label}`);
        assert.equal(r.answers[0].reviewer, REVIEWER);
      }
      const skippedTask = await server.get(`/api/v1/reviews/${skipped}`);
      assert.equal(skippedTask.status, 'InProgress', 'a skipped task stays in the queue');
      assert.equal(skippedTask.claimed_by, null, 'a skipped task is released');

      // The first answer's image was copied into the training folder of its label.
      const imageKey = (await server.get(`/api/v1/reviews/${first}`)).image_key;
      const file = imageKey.slice(imageKey.lastIndexOf('/') + 1);
      const wanted = `images_labeled_by_folder/${firstLabel}/humanLoopName-${first}-${file}`;
      await waitFor(async () => (await server.listObjects(`images_labeled_by_folder/${firstLabel}/`))
        .some((o) => o.key === wanted), { what: `${wanted} in the bucket`, timeoutMs: 60000, log: () => server.tail() });
      ctx.log(`answered image copied to ${wanted}`);
      // "None of the Above" adds nothing to training.
      const noneCopies = (await server.listObjects('images_labeled_by_folder/'))
        .filter((o) => noneTask && o.key.includes(`humanLoopName-${noneTask}-`));
      assert.equal(noneCopies.length, 0, 'a None of the Above answer copies nothing');

      // The skipped task can be shown again; then the phone layout (below).
      await page.click('#stage-retry');
      await waitFor(async () => (await shownTask(page)) === skipped, { what: 'the skipped task again' });
      await page.keyboard.press('s');
      assert.deepEqual(pageErrors, [], 'no script errors in the page');
      await context.close();

      // --- phone-sized screen: sign in, the task, a label tapped ---
      const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2,
                                               isMobile: true, hasTouch: true });
      const ppage = await phone.newPage();
      await signIn(ppage, url);
      const ptask = await waitFor(() => shownTask(ppage), { what: 'a task on the phone' });
      assert.equal(ptask, skipped);
      await ctx.screenshot(ppage, 'phone');
      await ppage.tap('#labels .label-btn[data-label]');
      await ctx.screenshot(ppage, 'phone-selected', { fullPage: true });
      const box = await ppage.locator('#submit').boundingBox();
      assert.ok(box && box.y + box.height <= 844 && box.width >= 100, 'Submit is on screen and large enough to tap');
      const overflow = await ppage.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `no horizontal scrolling on a phone (${overflow}px too wide)`);
      await ppage.tap('#skip');
      await phone.close();
    },
  },
  {
    name: 'label names are shown as text (no HTML injection) and a new label can be typed',
    fn: async (ctx) => {
      // Uses the queue left by the first test: the skipped task is open again.
      const { server, browser, url } = ctx;
      const open = await server.get('/api/v1/reviews?status=InProgress&limit=10');
      assert.ok(open.total >= 1, 'an open task is left for this test');
      const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
      const page = await context.newPage();
      const dialogs = [];
      page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
      await signIn(page, url);
      const task = await waitFor(() => shownTask(page), { what: 'a task' });
      await page.keyboard.press('n');
      await page.waitForSelector('#new-label-input', { state: 'visible' });
      // A label that is not a folder name is refused in the page.
      await page.keyboard.type('bad/label');
      await page.keyboard.press('Enter');
      await page.waitForSelector('#new-label-error', { state: 'visible' });
      await page.fill('#new-label-input', '');
      const evil = '<img src=x onerror=alert(1)>';
      // '/' is not allowed in a label; this one has none, so it must be stored and shown verbatim.
      await page.focus('#new-label-input');
      await page.keyboard.type(evil);
      await ctx.screenshot(page, 'new-label');
      await page.keyboard.press('Enter');
      assert.equal(await page.textContent('#toast-text'), `Answered “${evil}”`, 'the label is shown as text');
      await waitFor(async () => (await server.get(`/api/v1/reviews/${task}`)).status === 'Completed',
                    { what: 'the new-label answer saved', timeoutMs: 15000 });
      const done = await server.get(`/api/v1/reviews/${task}`);
      assert.equal(done.final_label, evil);
      assert.deepEqual(dialogs, [], 'no script ran from a label name');
      assert.equal(await page.$$eval('img[src="x"]', (x) => x.length), 0);
      await context.close();
    },
  },
];
