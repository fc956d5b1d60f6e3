// The labelloop REST API as the portal uses it: JSON in and out, the session cookie sent
// along, the CSRF token added to every state-changing call, and API errors turned into
// ApiError with the server's message ({"error": {"code", "message"}}).

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;  // HTTP status; 0 when the server could not be reached
    this.code = code;
  }
}

let csrfToken = '';

export function setCsrfToken(token) { csrfToken = token || ''; }

// Percent-encodes an object key for /api/v1/objects/{key}, keeping its '/' separators.
export function objectUrl(key) {
  return '/api/v1/objects/' + key.split('/').map(encodeURIComponent).join('/');
}

export async function api(method, path, body, { keepalive = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  const init = { method, headers, credentials: 'same-origin', cache: 'no-store', keepalive };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (e) {
    throw new ApiError(0, 'network', 'The server cannot be reached. Check your connection; retrying shortly.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (e) { data = null; }
  }
  if (!response.ok) {
    const err = data && data.error;
    const message = err && err.message ? err.message : `${method} ${path} failed: HTTP ${response.status}`;
    throw new ApiError(response.status, err && err.code ? err.code : 'http_' + response.status, message);
  }
  return data;
}
