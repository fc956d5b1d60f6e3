// GET /metrics of a real server, scraped before and after traffic: HTTP requests by route
// pattern and status, detections by version and label, detection latency, trainings,
// queue depths. The server logs JSON (--log-format json): every line of a request carries
// its X-Request-Id.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import { waitFor } from '../browser/lib/server.mjs';

export const serverArgs = ['--log-format', 'json', '--log-level', 'debug'];

// {"name{a=\"x\",b=\"y\"}": value} from the text format; HELP/TYPE lines checked for shape.
function parseMetrics(text) {
  const samples = new Map();
  for (const line of text.split('\n')) {
    if (!line) continue;
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) labelloop_[a-z_]+ /, `malformed comment line: ${line}`);
      continue;
    }
    const m = line.match(/^([a-z_]+)(\{.*\})? (\S+)$/);
    assert.ok(m, `malformed sample line: ${line}`);
    samples.set(m[1] + (m[2] || ''), Number(m[3]));
  }
  return samples;
}

// The sum of the samples of `name` whose labels include every pair of `labels`.
function sum(samples, name, labels = {}) {
  let total = 0;
  for (const [key, value] of samples) {
    if (!key.startsWith(name + '{') && key !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

async function scrape(server, { token = true } = {}) {
  const headers = token ? { Authorization: `Bearer ${server.token}` } : {};
  const r = await fetch(`${server.url}/metrics`, { headers });
  const text = await r.text();
  return { status: r.status, type: r.headers.get('content-type'), text };
}

export const tests = [
  {
    name: 'metrics need a token unless configured open',
    fn: async ({ server }) => {
      const anonymous = await scrape(server, { token: false });
      assert.equal(anonymous.status, 401);
      assert.match(JSON.parse(anonymous.text).error.message, /metrics/);
      const scraped = await scrape(server);
      assert.equal(scraped.status, 200);
      assert.match(scraped.type, /^text\/plain; version=0\.0\.4/);
      parseMetrics(scraped.text);
    },
  },
  {
    name: 'HTTP requests count by route pattern and status, and queue depths are read',
    fn: async ({ server, repo }) => {
      const before = parseMetrics((await scrape(server)).text);
      const route = { route: '/api/v1/parameters/{name}', method: 'GET', status: '200' };
      for (let i = 0; i < 3; i++) await server.get('/api/v1/parameters/Minimum-F1-Score');
      await server.request('GET', '/api/v1/models/no-such-version', { expect: 404 });
      await server.request('GET', '/api/v1/no/such/route', { expect: 404 });
      await server.setParameter('Human-Sampling-Interval', '700');  // an event, then an execution
      // No version serves yet: the image waits in the detection queue (202).
      const image = await readFile(path.join(repo, 'examples', 'amazon_logo', 'amazon-2.png'));
      await server.request('POST', '/api/v1/detect?filename=waiting.png', { body: image, contentType: 'image/png', expect: 202 });
      const after = await waitFor(async () => {
        const s = parseMetrics((await scrape(server)).text);
        return sum(s, 'labelloop_executions') > sum(before, 'labelloop_executions') ? s : null;
      }, { what: 'an execution counted in labelloop_executions' });
      assert.equal(sum(after, 'labelloop_http_requests_total', route) - sum(before, 'labelloop_http_requests_total', route), 3);
      assert.ok(sum(after, 'labelloop_http_requests_total', { route: '/api/v1/models/{version}', status: '404' }) >= 1);
      assert.ok(sum(after, 'labelloop_http_requests_total', { route: 'unmatched', status: '404' }) >= 1);
      assert.ok(sum(after, 'labelloop_http_request_duration_seconds_count', { route: route.route }) >=
                sum(before, 'labelloop_http_request_duration_seconds_count', { route: route.route }) + 3);
      for (const key of after.keys()) assert.ok(!key.includes('Minimum-F1-Score'), `raw path in a label: ${key}`);
      assert.ok(sum(after, 'labelloop_events') >= 1, 'no events counted');
      assert.ok(sum(after, 'labelloop_detection_queue', { status: 'pending' }) >= 1, 'the pending image is not counted');
      assert.ok(after.has('labelloop_detection_queue{status="failed"}'), 'no failed count in labelloop_detection_queue');
      assert.ok(sum(after, 'labelloop_http_requests_total', { route: '/api/v1/detect', status: '202' }) >= 1);
      assert.equal(sum(after, 'labelloop_detect_running'), 0, 'a detection still counted as running');
      assert.equal(sum(after, 'labelloop_detect_waiting'), 0, 'a detect request still counted as waiting');
      for (const family of ['labelloop_deliveries', 'labelloop_review_tasks', 'labelloop_trainings_total',
                            'labelloop_training_duration_seconds_count', 'labelloop_agreement_rate',
                            'labelloop_detect_running', 'labelloop_detect_waiting', 'labelloop_detect_refused_total',
                            'labelloop_executions', 'labelloop_model_versions']) {
        assert.ok((await scrape(server)).text.includes(`# TYPE ${family.replace(/_count$/, '')} `), `no ${family}`);
      }
    },
  },
  {
    name: 'every log line of a request is JSON with its request id',
    fn: async ({ server }) => {
      const id = `api-test-${Date.now()}`;
      const r = await fetch(`${server.url}/api/v1/parameters/Minimum-F1-Score`,
                            { headers: { Authorization: `Bearer ${server.token}`, 'X-Request-Id': id } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-request-id'), id);
      const fresh = await fetch(`${server.url}/api/v1/health`, { headers: { 'X-Request-Id': 'bad id\twith tab' } });
      assert.match(fresh.headers.get('x-request-id'), /^[0-9a-f]{16}$/, 'a malformed client id is replaced');
      const lines = await waitFor(() => {
        const mine = server.log.filter((l) => l.includes(id));
        return mine.length ? mine : null;
      }, { what: `a log line of request ${id}` });
      for (const line of lines) {
        const entry = JSON.parse(line);
        assert.equal(entry.request_id, id, line);
        assert.ok(entry.time && entry.level && entry.message, line);
      }
      const textLines = server.log.filter((l) => /^[TDIWEC] \d\d:\d\d:\d\d/.test(l));
      assert.deepEqual(textLines, [], 'text-format log lines with --log-format json');
      const jsonLines = server.log.filter((l) => l.startsWith('{'));
      jsonLines.forEach((l) => JSON.parse(l));
      assert.ok(jsonLines.length >= 5, `only ${jsonLines.length} JSON log lines`);
    },
  },
  {
    name: 'detections by version and label, detection latency and trainings move',
    fn: async ({ server, repo }) => {
      const before = parseMetrics((await scrape(server)).text);
      const { version } = await server.trainOnExamples(path.join(repo, 'examples'), { timeoutMs: 540000 });
      const image = await readFile(path.join(repo, 'examples', 'amazon_logo', 'amazon-1.png'));
      // min_confidence=0: every label (by default each must reach its assumed threshold).
      const result = await server.request('POST', '/api/v1/detect?filename=amazon-1.png&min_confidence=0',
                                          { body: image, contentType: 'image/png' });
      const label = result.labels[0]?.name ?? '';
      const after = await waitFor(async () => {
        const s = parseMetrics((await scrape(server)).text);
        return sum(s, 'labelloop_detections_total', { version }) >= 1 ? s : null;
      }, { what: 'the detection in labelloop_detections_total' });
      assert.ok(sum(after, 'labelloop_detections_total', { version, label }) >= 1, `no sample for ${version}/${label}`);
      assert.ok(sum(after, 'labelloop_detection_duration_seconds_count', { version }) >= 1);
      assert.ok(sum(after, 'labelloop_trainings_total', { outcome: 'completed' }) >=
                sum(before, 'labelloop_trainings_total', { outcome: 'completed' }) + 1);
      assert.ok(sum(after, 'labelloop_training_duration_seconds_count') >= 1);
      assert.ok(sum(after, 'labelloop_model_versions', { status: 'RUNNING' }) >= 1);
      assert.ok(sum(after, 'labelloop_http_requests_total', { route: '/api/v1/detect', status: '200' }) >= 1);
    },
  },
];
