#!/usr/bin/env node
// Black-box tests of the HTTP API against the real `labelloop serve` on a fresh data folder:
//   node tests/api/run.mjs LABELLOOP_BINARY [NAME_FILTER...]
// The served OpenAPI description is validated by @apidevtools/swagger-parser (OpenAPI 3.1)
// and must hold every route of src/http/route_table.cc; real replies of the server and the
// CLI's --json output are checked against its schemas with Ajv (JSON Schema 2020-12).
// Ends with the line "N passed, N failed"; exits 1 when any test failed.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { LabelloopServer } from '../browser/lib/server.mjs';
import { tests } from './openapi.test.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));

async function main() {
  const [binary, ...filters] = process.argv.slice(2);
  if (!binary || !existsSync(binary)) {
    console.error(`api tests: no labelloop binary (got '${binary}')`);
    process.exit(2);
  }
  const server = new LabelloopServer(path.resolve(binary));
  let passed = 0, failed = 0;
  try {
    await server.start();
    const ctx = { server, binary: path.resolve(binary), repo: path.resolve(here, '..', '..') };
    for (const t of tests.filter((t) => filters.length === 0 || filters.some((f) => t.name.includes(f)))) {
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
    console.log(`[  FAILED  ] setting up: ${e.stack || e}\n${server.tail()}`);
  } finally {
    await server.stop();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
