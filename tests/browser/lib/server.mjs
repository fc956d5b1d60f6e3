// Starts the real `labelloop serve` on a fresh data folder for one browser test file, and
// talks to its API as admin (with an API token made by `labelloop tokens create`).
import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const ADMIN_PASSWORD = 'browser-admin-password-1';

export class LabelloopServer {
  constructor(binary) {
    this.binary = binary;
    this.dataDir = '';
    this.url = '';
    this.token = '';
    this.proc = null;
    this.log = [];
  }

  // With oneTimeAdmin, the server makes the first admin itself and prints its one-time
  // password (this.oneTimePassword), as on a real first start.
  env() {
    const env = { ...process.env, LABELLOOP_ADMIN_PASSWORD: ADMIN_PASSWORD };
    if (this.oneTimeAdmin) delete env.LABELLOOP_ADMIN_PASSWORD;
    return env;
  }

  async start({ extraArgs = ['--wait-seconds', '1'], timeoutMs = 60000, oneTimeAdmin = false } = {}) {
    this.oneTimeAdmin = oneTimeAdmin;
    this.dataDir = await mkdtemp(path.join(tmpdir(), 'labelloop-browser-'));
    const data = path.join(this.dataDir, 'data');
    await execFileP(this.binary, ['--data', data, 'init'], { env: this.env() });
    const tok = await execFileP(this.binary, ['--data', data, 'tokens', 'create', 'browser-test', '--role', 'admin'],
                                { env: this.env() });
    this.token = tok.stdout.trim().split('\n').pop().trim();
    this.proc = spawn(this.binary, ['--data', data, 'serve', '--listen', '127.0.0.1:0', ...extraArgs],
                      { env: this.env(), stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk) => {
      for (const line of chunk.toString().split('\n')) if (line) this.log.push(line);
      if (this.log.length > 2000) this.log.splice(0, this.log.length - 2000);
    };
    this.proc.stderr.on('data', keep);
    this.url = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`labelloop serve did not start in ${timeoutMs} ms:\n${this.tail()}`)),
                               timeoutMs);
      this.proc.stdout.on('data', (chunk) => {
        keep(chunk);
        out += chunk.toString();
        const once = out.match(/one-time password: (\S+)/);
        if (once) this.oneTimePassword = once[1];
        const m = out.match(/serving .* at (https?:\/\/[^\s]+)/);
        if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
      });
      this.proc.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`labelloop serve exited with ${code}:\n${this.tail()}`));
      });
    });
    return this;
  }

  tail(n = 40) { return this.log.slice(-n).join('\n'); }

  async stop() {
    if (this.proc && this.proc.exitCode === null) {
      const exited = new Promise((r) => this.proc.once('exit', r));
      this.proc.kill('SIGTERM');
      const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10000);
      await exited;
      clearTimeout(timer);
    }
    if (this.dataDir && !process.env.LABELLOOP_KEEP_DATA) await rm(this.dataDir, { recursive: true, force: true });
  }

  // ---------- API as admin ----------

  async request(method, apiPath, { json, body, contentType, expect } = {}) {
    const headers = { Authorization: `Bearer ${this.token}` };
    let payload = body;
    if (json !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(json); }
    if (contentType) headers['Content-Type'] = contentType;
    const r = await fetch(this.url + apiPath, { method, headers, body: payload });
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (expect !== undefined ? r.status !== expect : !r.ok) {
      throw new Error(`${method} ${apiPath} -> ${r.status}: ${text.slice(0, 500)}`);
    }
    return data;
  }

  get(p) { return this.request('GET', p); }

  async putObject(key, bytes, contentType) {
    const encoded = key.split('/').map(encodeURIComponent).join('/');
    return this.request('PUT', `/api/v1/objects/${encoded}`, { body: bytes, contentType });
  }

  async uploadFolder(localDir, prefix, rename = (f) => f) {
    const keys = [];
    for (const f of (await readdir(localDir)).sort()) {
      const key = prefix + rename(f);
      await this.putObject(key, await readFile(path.join(localDir, f)), contentTypeOf(f));
      keys.push(key);
    }
    return keys;
  }

  setParameter(name, value) {
    return this.request('PUT', `/api/v1/parameters/${encodeURIComponent(name)}`, { json: { value: String(value) } });
  }

  async listObjects(prefix) {
    const r = await this.get(`/api/v1/objects?prefix=${encodeURIComponent(prefix)}&limit=1000`);
    return r.objects || [];
  }

  async runningVersion() {
    const m = await this.get('/api/v1/models');
    const list = Array.isArray(m) ? m : (m.models || m.versions || []);
    const running = list.find((v) => v.status === 'RUNNING');
    return running ? (running.name || running.version) : '';
  }

  // The system data the flows keep in the For-System-Use-Only parameter ({} when unset).
  async systemState() {
    const p = await this.get('/api/v1/parameters/For-System-Use-Only');
    try { return JSON.parse(p.value || '{}'); } catch (e) { return {}; }
  }

  createUser(name, password, role) {
    return this.request('POST', '/api/v1/users', { json: { name, password, role } });
  }

  // The seed walkthrough up to a running model: both sample folders uploaded, automatic
  // training switched off and on (which runs a training check at once).
  async trainOnExamples(examplesDir, { timeoutMs = 300000 } = {}) {
    await this.uploadFolder(path.join(examplesDir, 'amazon_logo'), 'images_labeled_by_folder/amazon_logo/');
    await this.uploadFolder(path.join(examplesDir, 'aws_logo'), 'images_labeled_by_folder/aws_logo/');
    const t0 = Date.now();
    await this.setParameter('Enable-Automatic-Training', 'false');
    await this.setParameter('Enable-Automatic-Training', 'true');
    // Detection uses a version once the flow has deployed it (recorded in For-System-Use-Only),
    // a moment after the version itself reports RUNNING.
    const version = await waitFor(async () => {
      const running = await this.runningVersion();
      return running && (await this.systemState()).running_version === running ? running : '';
    }, { timeoutMs, what: 'a RUNNING, deployed model version', log: () => this.tail() });
    return { version, seconds: (Date.now() - t0) / 1000 };
  }
}

export function contentTypeOf(file) {
  const ext = path.extname(file).toLowerCase();
  return { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif',
           '.webp': 'image/webp' }[ext] || 'application/octet-stream';
}

// Polls `fn` until it returns something truthy; returns that.
export async function waitFor(fn, { timeoutMs = 30000, intervalMs = 250, what = 'a condition', log } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError = null;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
                  (lastError ? ` (last error: ${lastError.message})` : '') + (log ? `\n${log()}` : ''));
}
