#!/usr/bin/env node
// Black-box tests of the HTTP API against the real `labelloop serve` on fresh data folders:
//   node tests/api/run.mjs LABELLOOP_BINARY [NAME_FILTER...]
// The served OpenAPI description is validated by @apidevtools/swagger-parser (OpenAPI 3.1)
// and must hold every route of src/http/route_table.cc; real replies of the server and the
// CLI's --json output are checked against its schemas with Ajv (JSON Schema 2020-12);
// /metrics is scraped before and after traffic; --log-format json lines are parsed.
// Ends with the line "N passed, N failed"; exits 1 when any test failed.
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { LabelloopServer } from '../browser/lib/server.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const [binary, ...filters] = process.argv.slice(2);
  if (!binary || !existsSync(binary)) {
    console.error(`api tests: no labelloop binary (got '${binary}')`);
    process.exit(2);
  }
  let passed = 0, failed = 0;
  // Each *.test.mjs exports `tests` ([{name, fn(ctx)}]) and may export `serverArgs` (extra
  // arguments of `labelloop serve`); each file gets its own server on a fresh data folder.
  const files = (await readdir(here)).filter((f) => f.endsWith('.test.mjs')).sort();
  for (const file of files) {
    const mod = await import(pathToFileURL(path.join(here, file)).href);
    const tests = mod.tests.filter((t) => filters.length === 0 || filters.some((f) => file.includes(f) || t.name.includes(f)));
    if (tests.length === 0) continue;
    console.log(`== ${file}`);
    const server = new LabelloopServer(path.resolve(binary));
    try {
      await server.start({ extraArgs: ['--wait-seconds', '1', ...(mod.serverArgs || [])] });
      const ctx = { server, binary: path.resolve(binary), repo: path.resolve(here, '..', '..') };
      for (const t of tests) {
        const t0 = Date.now();
        try {
          await t.fn(ctx);
          passed++;
          console.log(`[       OK ] ${t.name} (${Date.now() - t0} ms)`);
        } catch (e) {
          failed++;
          console.log(`[  FAILED  ] ${t.name}: ${e.stack || e}`);
        }
      }
    } catch (e) {
      failed++;
      console.log(`[  FAILED  ] ${file}: setting up: ${e.stack || e}\n${server.tail()}`);
    } finally {
      await server.stop();
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
