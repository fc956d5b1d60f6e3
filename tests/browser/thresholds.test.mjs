// The threshold curves on a model version's page, against the real server: a version
// trained on the sample images; per label, a precision and a recall curve and the label's
// assumed threshold marked where the evaluation puts it; the review threshold starts at
// Minimum-Label-Detection-Confidence, and moving it shows how many test images would be
// sent to review, which the test recomputes from the evaluation's per-image scores.
import assert from 'node:assert/strict';

import { ADMIN_PASSWORD } from './lib/server.mjs';

let page = null;
let version = '';
let evaluation = null;

// Images whose top confidence is below `threshold`, computed here independently of the page.
function expectedReviewCount(threshold) {
  return evaluation.test_images.filter((img) => Math.max(...Object.values(img.scores)) < threshold).length;
}

async function setSlider(value) {
  await page.locator('#review-threshold').fill(String(value));
  await page.waitForFunction((v) => document.querySelector('[data-testid=review-threshold-value]').textContent ===
                                    Number(v).toFixed(1), value);
  return Number(await page.getAttribute('[data-testid=review-count]', 'data-count'));
}

export const tests = [
  {
    name: 'a version trained on the sample images has per-image scores in its evaluation',
    fn: async (ctx) => {
      ({ version } = await ctx.server.trainOnExamples(ctx.examplesDir, { timeoutMs: 600000 }));
      const detail = await ctx.server.get(`/api/v1/models/${encodeURIComponent(version)}`);
      evaluation = detail.evaluation;
      assert.ok(evaluation.test_images.length > 0, 'no held-out test images');
      for (const img of evaluation.test_images) {
        assert.deepEqual(Object.keys(img.scores).sort(), [...detail.labels].sort(), `scores of ${img.image}`);
      }
    },
  },
  {
    name: 'the model page draws precision and recall per label with the assumed threshold marked',
    fn: async (ctx) => {
      page = await ctx.browser.newPage({ viewport: { width: 1360, height: 1100 } });
      page.on('pageerror', (e) => ctx.log(`page error: ${e.message}`));
      await page.goto(`${ctx.url}/`);
      await page.fill('#signin-user', 'admin');
      await page.fill('#signin-password', ADMIN_PASSWORD);
      await page.press('#signin-password', 'Enter');
      await page.waitForSelector('nav a[data-page="dashboard"][aria-current="page"]');
      await page.goto(`${ctx.url}/#/models/${encodeURIComponent(version)}`);
      await page.waitForSelector('[data-testid=threshold-curves] svg.threshold-chart');
      const figures = await page.$$eval('[data-testid=threshold-curves] figure', (els) => els.map((f) => ({
        label: f.dataset.label,
        precision: f.querySelector('path[data-series=precision]')?.getAttribute('d') || '',
        recall: f.querySelector('path[data-series=recall]')?.getAttribute('d') || '',
        assumed: f.querySelector('[data-marker=assumed] text')?.textContent || '',
        review: Boolean(f.querySelector('[data-marker=review]')),
      })));
      assert.deepEqual(figures.map((f) => f.label), evaluation.labels.map((l) => l.name));
      for (const [i, f] of figures.entries()) {
        assert.equal(f.precision.split('L').length, 101, `${f.label}: a precision point per threshold 0..100`);
        assert.equal(f.recall.split('L').length, 101, `${f.label}: a recall point per threshold 0..100`);
        assert.equal(f.assumed, `assumed ${Number(evaluation.labels[i].assumed_threshold).toFixed(1)}`);
        assert.ok(f.review, `${f.label}: no review threshold line`);
      }
      // Recall at threshold 0 is 1 (every image reaches 0), as the curve's first point shows.
      const firstRecallY = Number(figures[0].recall.split(' ')[0].split(',')[1]);
      const topY = Number(figures[0].precision.match(/M[\d.]+,([\d.]+)/)[1]);
      assert.ok(firstRecallY <= topY + 0.01, 'recall does not start at 1');
    },
  },
  {
    name: 'the review threshold starts at the parameter and counts the test images it sends to review',
    fn: async (ctx) => {
      const parameter = Number((await ctx.server.get('/api/v1/parameters/Minimum-Label-Detection-Confidence')).value);
      await page.waitForFunction((v) => document.querySelector('[data-testid=review-threshold-value]').textContent ===
                                        v.toFixed(1), parameter);
      const atParameter = Number(await page.getAttribute('[data-testid=review-count]', 'data-count'));
      assert.equal(atParameter, expectedReviewCount(parameter));
      await ctx.screenshot(page, 'curves', { fullPage: true });
      assert.equal(await setSlider(0), 0, 'nothing is below a threshold of 0');
      assert.equal(await setSlider(100), expectedReviewCount(100));
      const middle = 50;
      assert.equal(await setSlider(middle), expectedReviewCount(middle));
      const text = await page.textContent('.threshold-review');
      assert.match(text, new RegExp(`${expectedReviewCount(middle)} of ${evaluation.test_images.length}`));
      await setSlider(90);
      await ctx.screenshot(page, 'curves-review-90', { fullPage: true });
    },
  },
];
