// The console's calls to the REST API (/api/v1). JSON in and out; state-changing calls
// carry the session's CSRF token; errors become ApiError with the server's
// {"error":{"code","message"}}; a 401 tells the app to show the sign-in page.

let csrfToken = null;
const listeners = new Set();

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function setCsrfToken(token) { csrfToken = token; }

// fn() is called when any call answers 401 (session gone).
export function onUnauthenticated(fn) { listeners.add(fn); }

function errorFrom(status, data, statusText) {
  const e = data && data.error;
  return new ApiError(status, (e && e.code) || `http_${status}`,
    (e && e.message) || statusText || `request failed with HTTP ${status}`);
}

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  let res;
  try {
    res = await fetch(path, init);
  } catch (err) {
    throw new ApiError(0, 'network', `cannot reach the server (${err.message})`);
  }
  if (res.status === 204) return null;
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = null; }
  }
  if (!res.ok) {
    if (res.status === 401 && path !== '/api/v1/session') listeners.forEach((fn) => fn());
    throw errorFrom(res.status, data, res.statusText);
  }
  return data;
}

export const get = (path) => api('GET', path);
export const post = (path, body) => api('POST', path, body);
export const put = (path, body) => api('PUT', path, body);
export const del = (path) => api('DELETE', path);

// "a/b c/<x>.png" -> "/api/v1/objects/a/b%20c/%3Cx%3E.png"
export function objectUrl(key) {
  return `/api/v1/objects/${key.split('/').map(encodeURIComponent).join('/')}`;
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const text = q.toString();
  return text ? `?${text}` : '';
}

// PUT one file with upload progress (fetch has none). Resolves with {key, etag, size}.
export function uploadObject(key, blob, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', objectUrl(key));
    xhr.withCredentials = true;
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken);
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(data);
      } else {
        if (xhr.status === 401) listeners.forEach((fn) => fn());
        reject(errorFrom(xhr.status, data, xhr.statusText));
      }
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'upload failed: the connection broke')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'upload cancelled')));
    xhr.send(blob);
  });
}

// One shared EventSource for the live stream; pages subscribe by event type.
let source = null;
const subscribers = new Map();  // type -> Set<fn>
const statusListeners = new Set();
let streamState = 'closed';

function setStreamState(state) {
  streamState = state;
  statusListeners.forEach((fn) => fn(state));
}

const STREAM_TYPES = ['execution', 'notification', 'model.changed', 'object.created', 'object.deleted',
  'parameter.changed', 'detection', 'review.answered'];

let retryTimer = null;

export function openStream() {
  if (source) return;
  const es = new EventSource('/api/v1/stream', { withCredentials: true });
  source = es;
  es.addEventListener('open', () => setStreamState('open'));
  es.addEventListener('error', () => {
    if (es.readyState === EventSource.CLOSED) {
      // A refused stream (e.g. 503: the server's stream limit) is not retried by the
      // browser: try again later ourselves.
      setStreamState('reconnecting');
      if (source === es) source = null;
      clearTimeout(retryTimer);
      retryTimer = setTimeout(() => { if (!source && streamWanted) openStream(); }, 10000);
    } else {
      setStreamState(es.readyState === EventSource.OPEN ? 'open' : 'reconnecting');
    }
  });
  streamWanted = true;
  for (const type of STREAM_TYPES) {
    es.addEventListener(type, (e) => {
      let data = null;
      try { data = JSON.parse(e.data); } catch { data = e.data; }
      (subscribers.get(type) || []).forEach((fn) => fn(data, type));
      (subscribers.get('*') || []).forEach((fn) => fn(data, type));
    });
  }
}

let streamWanted = false;
// Free the server's stream slot at once when the page goes away.
window.addEventListener('pagehide', () => { if (source) source.close(); });

export function closeStream() {
  streamWanted = false;
  clearTimeout(retryTimer);
  if (source) source.close();
  source = null;
  setStreamState('closed');
}

// Returns an unsubscribe function. type '*' gets every event.
export function subscribe(type, fn) {
  if (!subscribers.has(type)) subscribers.set(type, new Set());
  subscribers.get(type).add(fn);
  return () => subscribers.get(type).delete(fn);
}

export function onStreamState(fn) {
  statusListeners.add(fn);
  fn(streamState);
  return () => statusListeners.delete(fn);
}
