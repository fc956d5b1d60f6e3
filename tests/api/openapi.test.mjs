// The OpenAPI description served by a real server: valid OpenAPI 3.1 (swagger-parser),
// every route of the route table in it, real replies and CLI --json output conforming to
// its schemas, and one cursor name for every paged list.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const execFileP = promisify(execFile);

async function fetchDescription(server) {
  const r = await fetch(`${server.url}/api/v1/openapi.json`);  // open: no credentials
  assert.equal(r.status, 200);
  return r.json();
}

// Ajv over the description's components. Strict about undeclared properties: every object
// schema with "properties" and no "additionalProperties" gets unevaluatedProperties: false,
// so a view that writes a field its schema does not declare fails here.
function makeValidator(doc) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  const schemas = structuredClone(doc.components.schemas);
  const tighten = (node) => {
    if (Array.isArray(node)) return node.forEach(tighten);
    if (!node || typeof node !== 'object') return;
    if (node.properties && node.additionalProperties === undefined) node.unevaluatedProperties = false;
    Object.values(node).forEach(tighten);
  };
  tighten(schemas);
  ajv.addSchema({ $id: 'labelloop', components: { schemas } });
  return (name, value, where) => {
    const validate = ajv.getSchema(`labelloop#/components/schemas/${name}`);
    assert.ok(validate, `no schema ${name}`);
    if (!validate(value)) {
      throw new Error(`${where} does not match schema ${name}: ${ajv.errorsText(validate.errors)}\n` +
                      JSON.stringify(value).slice(0, 600));
    }
  };
}

// The success schema of an operation, from the description itself.
function responseSchemaName(doc, method, apiPath) {
  const op = doc.paths[apiPath]?.[method];
  assert.ok(op, `${method.toUpperCase()} ${apiPath} is not in the description`);
  const ok = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
  const ref = ok?.[1]?.content?.['application/json']?.schema?.$ref;
  return ref ? ref.split('/').pop() : null;
}

async function cliJson(ctx, args) {
  const { stdout } = await execFileP(ctx.binary, ['--data', path.join(ctx.server.dataDir, 'data'), ...args, '--json'],
                                     { env: ctx.server.env() });
  return JSON.parse(stdout);
}

export const tests = [
  {
    name: 'the description is valid OpenAPI 3.1 (swagger-parser)',
    fn: async ({ server }) => {
      const doc = await fetchDescription(server);
      assert.equal(doc.openapi, '3.1.0');
      const api = await SwaggerParser.validate(structuredClone(doc));  // throws with the reasons when invalid
      assert.equal(api.info.title, 'labelloop');
    },
  },
  {
    name: 'every route of the route table is in the description with its roles',
    fn: async ({ server, repo }) => {
      const doc = await fetchDescription(server);
      const table = await readFile(path.join(repo, 'src/http/route_table.cc'), 'utf8');
      const routes = [...table.matchAll(/\{"(GET|POST|PUT|DELETE)", "([^"]+)", (k\w+), Handle\w+/g)];
      assert.ok(routes.length >= 50, `only ${routes.length} routes parsed from route_table.cc`);
      const roles = { kOpen: ['anyone'], kAdminOnly: ['admin'], kAdminReviewer: ['admin', 'reviewer'],
                      kAdminConsumer: ['admin', 'consumer'], kAnyRole: ['admin', 'reviewer', 'consumer'],
                      kAnyRoleUnlessMetricsOpen: ['admin', 'reviewer', 'consumer', 'anyone when configured open'],
                      kAwsSignedAnyRole: ['admin', 'reviewer', 'consumer'],
                      kAwsSignedJsonAnyRole: ['admin', 'reviewer', 'consumer'] };
      let operations = 0;
      for (const item of Object.values(doc.paths)) operations += Object.keys(item).length;
      assert.equal(operations, routes.length, 'the description has operations the table does not');
      for (const [, method, pattern, access] of routes) {
        const op = doc.paths[pattern.replace(/[+*]\}/g, '}')]?.[method.toLowerCase()];
        assert.ok(op, `${method} ${pattern} is missing`);
        assert.deepEqual(op['x-roles'], roles[access], `${method} ${pattern} roles`);
        assert.ok(op.summary, `${method} ${pattern} has no summary`);
        assert.ok(op.responses['500'], `${method} ${pattern} lists no errors`);
      }
    },
  },
  {
    name: 'replies of every list route and of single entities match their schemas',
    fn: async ({ server }) => {
      const doc = await fetchDescription(server);
      const check = makeValidator(doc);
      // Some data for the lists: objects, a parameter change (an execution), a user.
      await server.putObject('images_labeled_by_folder/a/one.png', Buffer.from('not really a png'), 'image/png');
      await server.setParameter('Human-Sampling-Interval', '500');
      await server.createUser('alice', 'correct horse battery staple', 'reviewer');
      let checked = 0;
      for (const [apiPath, item] of Object.entries(doc.paths)) {
        if (!item.get || !apiPath.startsWith('/api/') || apiPath.includes('{') || apiPath.endsWith('/stream')) continue;
        const query = apiPath.endsWith('/histogram') ? '?version=nothing-yet' : '';
        const r = await fetch(server.url + apiPath + query, { headers: { Authorization: `Bearer ${server.token}` } });
        // Readiness answers 503 (same body) while no version serves; every other list succeeds.
        assert.ok(r.ok || apiPath === '/api/v1/ready', `GET ${apiPath} -> ${r.status}`);
        const ref = item.get.responses[String(r.status)]?.content?.['application/json']?.schema?.$ref;
        assert.ok(ref, `GET ${apiPath} answered ${r.status}, a status the description gives no JSON body`);
        check(ref.split('/').pop(), await r.json(), `GET ${apiPath} (${r.status})`);
        checked++;
      }
      assert.ok(checked >= 15, `only ${checked} list routes checked`);
      const executions = await server.get('/api/v1/executions');
      assert.ok(executions.executions.length > 0, 'the parameter change started no execution');
      const id = executions.executions[0].id;
      check('ExecutionDetail', await server.get(`/api/v1/executions/${encodeURIComponent(id)}`), 'GET execution');
      check('Parameter', await server.get('/api/v1/parameters/Minimum-F1-Score'), 'GET parameter');
      check('ParameterHistory', await server.get('/api/v1/parameters/Human-Sampling-Interval/history'), 'history');
      const r = await fetch(`${server.url}/api/v1/models/no-such-version`, { headers: { Authorization: `Bearer ${server.token}` } });
      assert.equal(r.status, 404);
      check('Error', await r.json(), '404 reply');
      const anonymous = await fetch(`${server.url}/api/v1/models`);
      assert.equal(anonymous.status, 401);
      check('Error', await anonymous.json(), '401 reply');
    },
  },
  {
    name: 'a detection with no version serving: 202, then pending in the queue, all as described',
    fn: async ({ server, repo }) => {
      const doc = await fetchDescription(server);
      const check = makeValidator(doc);
      assert.ok(doc.paths['/api/v1/detect'].post.responses['202'], 'POST /api/v1/detect documents no 202');
      const image = await readFile(path.join(repo, 'examples', 'amazon_logo', 'amazon-1.png'));
      const result = await server.request('POST', '/api/v1/detect?filename=amazon-1.png',
                                          { body: image, contentType: 'image/png', expect: 202 });
      check('DetectResult', result, 'the 202 reply of POST /api/v1/detect');
      assert.equal(result.status, 'pending');
      const one = await server.get(`/api/v1/detections/${encodeURIComponent(result.request_id)}`);
      check('AnyDetection', one, 'GET a pending detection');
      assert.equal(one.status, 'pending');
      const page = await server.get('/api/v1/detections?status=pending&limit=1');
      check('DetectionList', page, 'GET /api/v1/detections?status=pending');
      assert.ok(page.detections.some((d) => d.request_id === result.request_id), 'the pending image is not listed');
      const failed = await server.get('/api/v1/detections?status=failed');
      check('DetectionList', failed, 'GET /api/v1/detections?status=failed');
      const names = doc.paths['/api/v1/detections'].get.parameters.map((p) => p.name);
      assert.ok(names.includes('status'), 'the status parameter of the detection list is undocumented');
    },
  },
  {
    name: "the CLI's --json writes the same views as the API",
    fn: async (ctx) => {
      const doc = await fetchDescription(ctx.server);
      const check = makeValidator(doc);
      const executions = await cliJson(ctx, ['executions', 'list']);
      assert.ok(executions.length > 0);
      executions.forEach((e, i) => check('Execution', e, `executions list --json [${i}]`));
      const finished = executions.find((e) => e.status !== 'RUNNING');  // one that no longer changes
      assert.ok(finished, 'no finished execution');
      const api = await ctx.server.get(`/api/v1/executions/${encodeURIComponent(finished.id)}`);
      const { history, ...apiExecution } = api;
      assert.deepEqual(finished, apiExecution, 'CLI and API disagree on one execution');
      assert.deepEqual(await cliJson(ctx, ['executions', 'history', finished.id]), history);
      check('Execution', await cliJson(ctx, ['executions', 'describe', finished.id]), 'executions describe');
      (await cliJson(ctx, ['executions', 'history', finished.id]))
        .forEach((ev, i) => check('ExecutionEvent', ev, `executions history [${i}]`));
      const params = await cliJson(ctx, ['params', 'list']);
      params.forEach((p) => check('Parameter', p, `params list ${p.name}`));
      assert.deepEqual(params, (await ctx.server.get('/api/v1/parameters')).parameters);
      check('Parameter', await cliJson(ctx, ['params', 'get', 'Minimum-F1-Score']), 'params get');
      (await cliJson(ctx, ['schedules', 'list'])).forEach((s) => check('Schedule', s, 'schedules list'));
      (await cliJson(ctx, ['users', 'list'])).forEach((u) => check('User', u, 'users list'));
      (await cliJson(ctx, ['tokens', 'list'])).forEach((t) => check('Token', t, 'tokens list'));
      assert.deepEqual(await cliJson(ctx, ['users', 'list']), (await ctx.server.get('/api/v1/users')).users);
      assert.deepEqual(await cliJson(ctx, ['models', 'list']), []);
    },
  },
  {
    name: 'every paged list takes ?cursor= and answers next_cursor (old names as aliases)',
    fn: async ({ server }) => {
      for (const name of ['p1', 'p2', 'p3']) {
        await server.putObject(`images_for_detection/paging/${name}.jpg`, Buffer.from(name), 'image/jpeg');
      }
      const prefix = 'prefix=images_for_detection/paging/&limit=2';
      const first = await server.get(`/api/v1/objects?${prefix}`);
      assert.equal(first.objects.length, 2);
      assert.ok(first.next_cursor);
      assert.equal(first.continuation, first.next_cursor, 'the alias carries the same cursor');
      const second = await server.get(`/api/v1/objects?${prefix}&cursor=${encodeURIComponent(first.next_cursor)}`);
      const viaAlias = await server.get(`/api/v1/objects?${prefix}&continuation=${encodeURIComponent(first.next_cursor)}`);
      assert.deepEqual(second.objects.map((o) => o.key), ['images_for_detection/paging/p3.jpg']);
      assert.deepEqual(viaAlias, second);
      assert.equal(second.next_cursor, null);
      // Executions and notifications: cursor and next_cursor, with before / next_before kept.
      for (let i = 0; i < 3; i++) await server.setParameter('Human-Sampling-Interval', String(600 + i));
      const page = await server.get('/api/v1/executions?limit=1');
      assert.ok(page.next_cursor);
      assert.equal(page.next_before, page.next_cursor);
      const next = await server.get(`/api/v1/executions?limit=1&cursor=${encodeURIComponent(page.next_cursor)}`);
      const old = await server.get(`/api/v1/executions?limit=1&before=${encodeURIComponent(page.next_cursor)}`);
      assert.notEqual(next.executions[0].id, page.executions[0].id);
      assert.deepEqual(old.executions.map((e) => e.id), next.executions.map((e) => e.id));
      const doc = await fetchDescription(server);
      for (const [apiPath, item] of Object.entries(doc.paths)) {
        const names = (item.get?.parameters || []).map((p) => p.name);
        if (names.includes('limit') && apiPath !== '/api/v1/notifications/deliveries') {
          assert.ok(names.includes('cursor'), `${apiPath} pages without ?cursor=`);
          const schema = doc.components.schemas[responseSchemaName(doc, 'get', apiPath)];
          assert.ok(schema.properties.next_cursor, `${apiPath} answers no next_cursor`);
        }
      }
      const bad = await fetch(`${server.url}/api/v1/notifications?cursor=abc`, { headers: { Authorization: `Bearer ${server.token}` } });
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).error.message, /cursor/);
    },
  },
];
