// The console's only way to Gatehouse: the public HTTP API, authenticated
// by the HttpOnly session cookie. State-changing requests echo the
// gatehouse_csrf cookie in X-Gatehouse-CSRF.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || '';
    this.detail = this.message;
    this.field = problem.field || '';
  }
}

let onExpired = () => {};
export function setOnExpired(f) { onExpired = f; }

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)gatehouse_csrf=([^;]*)/);
  return m ? decodeURIComponent(m[1]) : '';
}

// hasSession tells whether the browser holds a console session (the CSRF
// cookie expires with it); the session cookie itself is unreadable.
export function hasSession() { return csrfToken() !== ''; }

export async function api(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['X-Gatehouse-CSRF'] = csrfToken() || '1';
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 204) return null;
  const text = await res.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!res.ok) {
    const err = new ApiError(res.status, data || {});
    if (res.status === 401 && !path.startsWith('/v1/auth/login') && !path.startsWith('/v1/invitations')) onExpired(err);
    throw err;
  }
  return data;
}

export const get = (p) => api('GET', p);
export const post = (p, b) => api('POST', p, b ?? {});
export const put = (p, b) => api('PUT', p, b);
export const patch = (p, b) => api('PATCH', p, b);
export const del = (p) => api('DELETE', p);

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
  const s = u.toString();
  return s ? `?${s}` : '';
}

// all follows next_cursor to load a whole (small) list.
export async function all(path, max = 2000) {
  let items = [];
  let cursor = '';
  const sep = path.includes('?') ? '&' : '?';
  for (;;) {
    const page = await get(`${path}${sep}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items = items.concat(page.items || []);
    if (!page.next_cursor || items.length >= max) return items;
    cursor = page.next_cursor;
  }
}

// allowed asks POST /v1/check/bulk about the caller's permissions
// ([{type, id, permission}]) and answers a Set of "type:id#permission"
// that are allowed. The console offers an action only when it is in it.
export async function allowed(items) {
  const out = new Set();
  for (let i = 0; i < items.length; i += 1000) {
    const chunk = items.slice(i, i + 1000);
    const r = await post('/v1/check/bulk', {
      items: chunk.map((x) => ({ resource: { type: x.type, id: x.id }, permission: x.permission })),
    });
    chunk.forEach((x, j) => { if (r.results[j] && r.results[j].allowed) out.add(`${x.type}:${x.id}#${x.permission}`); });
  }
  return out;
}
