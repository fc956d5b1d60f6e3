#!/usr/bin/env node
// Browser tests of the console and the labelling portal, against the real `labelloop serve`.
//   node tests/browser/run.mjs [LABELLOOP_BINARY] [--screenshots DIR] [NAME_FILTER...]
// The binary comes from the first argument or $LABELLOOP_BINARY. Each tests/browser/*.test.mjs
// file gets its own server on a fresh data folder (first admin password from
// LABELLOOP_ADMIN_PASSWORD, unless the file exports serverOptions = {oneTimeAdmin: true}) and Debian's chromium (/usr/bin/chromium, or $CHROMIUM) driven by
// playwright-core; screenshots go to --screenshots DIR (default: tests/browser/artifacts/
// screenshots/, git-ignored). A test file exports `tests`: [{name, fn: async (ctx) => ...}], run in order; ctx: {server, browser, url, examplesDir, screenshot(page, name), log(...)}.
// Ends with the line "N passed, N failed"; exits 1 when any test failed.
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { LabelloopServer } from './lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function parseArgs(argv) {
  const out = { binary: process.env.LABELLOOP_BINARY || '', screenshots: '', filters: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--screenshots') out.screenshots = argv[++i];
    else if (!out.binary && !a.startsWith('-') && (a.includes('/') || existsSync(a))) out.binary = a;
    else if (a === '--binary') out.binary = argv[++i];
    else out.filters.push(a);
  }
  if (!out.screenshots) out.screenshots = path.join(here, 'artifacts', 'screenshots');
  return out;
}

async function loadPlaywright() {
  try {
    return await import('playwright-core');
  } catch (e) {
    console.error('browser tests: playwright-core is not installed; run scripts/install-browser-test-deps.sh');
    throw e;
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  if (!args.binary || !existsSync(args.binary)) {
    console.error(`browser tests: no labelloop binary (got '${args.binary}'); pass it as the first argument or set LABELLOOP_BINARY`);
    process.exit(2);
  }
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.error(`browser tests: no chromium at ${executablePath}; run scripts/install-browser-test-deps.sh`);
    process.exit(2);
  }
  const { chromium } = await loadPlaywright();
  await mkdir(args.screenshots, { recursive: true });

  const files = (await readdir(here)).filter((f) => f.endsWith('.test.mjs')).sort();
  let passed = 0, failed = 0;
  const failures = [];
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(here, file)).href);
    const tests = (mod.tests || []).filter((t) =>
      args.filters.length === 0 || args.filters.some((f) => file.includes(f) || t.name.includes(f)));
    if (tests.length === 0) continue;
    console.log(`== ${file}`);
    const server = new LabelloopServer(path.resolve(args.binary));
    let browser = null;
    try {
      await server.start(mod.serverOptions || {});
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--headless'] });
    } catch (e) {
      console.log(`[  FAILED  ] ${file}: setting up: ${e.stack || e}`);
      failed += tests.length;
      failures.push(`${file} (setup)`);
      if (browser) await browser.close();
      await server.stop();
      continue;
    }
    const prefix = path.basename(file, '.test.mjs');
    const ctx = {
      server,
      browser,
      url: server.url,
      repo,
      examplesDir: path.join(repo, 'examples'),
      screenshotDir: args.screenshots,
      log: (...a) => console.log('   ', ...a),
      async screenshot(page, name, opts = {}) {
        const p = path.join(args.screenshots, `${prefix}-${name}.png`);
        await page.screenshot({ path: p, ...opts });
        console.log(`    screenshot: ${p}`);
        return p;
      },
    };
    for (const t of tests) {
      const t0 = Date.now();
      console.log(`[ RUN      ] ${file} :: ${t.name}`);
      try {
        await t.fn(ctx);
        passed++;
        console.log(`[       OK ] ${file} :: ${t.name} (${Date.now() - t0} ms)`);
      } catch (e) {
        failed++;
        failures.push(`${file} :: ${t.name}`);
        console.log(`[  FAILED  ] ${file} :: ${t.name} (${Date.now() - t0} ms)\n${e.stack || e}`);
        console.log(`    server log (tail):\n${server.tail(30)}`);
      }
    }
    await browser.close();
    await server.stop();
  }
  if (failures.length) console.log(`failed tests:\n  ${failures.join('\n  ')}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

main().catch((e) => {
  console.error(e.stack || e);
  console.log('0 passed, 1 failed');
  process.exit(1);
});
