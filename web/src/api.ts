// The gateway's HTTP/JSON API: every call goes to this page's own origin, with the session's
// access token; errors arrive as google.rpc.Status JSON and become ApiError.

import { session, refreshSoon, signedOut } from './session';

export type Query = Record<string, string | number | boolean | undefined | null | string[]>;

// gRPC status codes the screens act on.
export const Code = {
  INVALID_ARGUMENT: 3,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

export class ApiError extends Error {
  // The gRPC code (0 when the gateway could not be reached), the HTTP status, and the field
  // violations by field path ("customer.name" → "is required").
  constructor(
    message: string,
    public code: number,
    public status: number,
    public violations: Record<string, string> = {},
  ) {
    super(message);
  }
}

interface StatusJson {
  code?: number;
  message?: string;
  details?: { '@type'?: string; fieldViolations?: { field: string; description: string }[] }[];
}

// A body as JSON; null when it is not (a proxy's HTML error page, a cut connection).
function jsonOf(text: string): any {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

function errorOf(status: number, body: StatusJson | null): ApiError {
  const violations: Record<string, string> = {};
  for (const d of body?.details ?? []) {
    for (const v of d.fieldViolations ?? []) violations[v.field] = v.description;
  }
  // Without a status of the API's (a proxy answered): a gateway error is UNAVAILABLE.
  const code = body?.code ?? (status >= 502 && status <= 504 ? Code.UNAVAILABLE : 2);
  return new ApiError(body?.message || `HTTP ${status}`, code, status, violations);
}

export function queryString(q?: Query): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    if (Array.isArray(v)) v.forEach((x) => p.append(k, x));
    else p.append(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

async function send(method: string, path: string, body: BodyInit | undefined, type: string) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = type;
  const token = session.value?.accessToken;
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(path, { method, headers, body });
  } catch {
    throw new ApiError('network', 0, 0);
  }
}

// Sends; a call refused for an expired token is sent once more after a refresh. A refresh that
// could not be made just now is UNAVAILABLE (try again), not the end of the session.
async function sendFresh(method: string, path: string, body: BodyInit | undefined, type: string) {
  const sentWith = session.value?.accessToken;
  const r = await send(method, path, body, type);
  if (r.status !== 401 || !sentWith || path.startsWith('/v1/auth:')) return r;
  if (!(await refreshSoon(true))) return r;
  if (session.value?.accessToken === sentWith) {
    throw new ApiError('the session could not be renewed just now; try again shortly', Code.UNAVAILABLE, 503);
  }
  return send(method, path, body, type);
}

// One call.
export async function api<T = any>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  opts: { query?: Query; body?: unknown } = {},
): Promise<T> {
  const url = path + queryString(opts.query);
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const r = await sendFresh(method, url, body, 'application/json');
  const text = await r.text();
  const json = jsonOf(text) ?? {};
  if (!r.ok) {
    const e = errorOf(r.status, json);
    if (e.code === Code.UNAUTHENTICATED && !path.startsWith('/v1/auth:')) signedOut();
    throw e;
  }
  return json as T;
}

export const get = <T = any>(path: string, query?: Query) => api<T>('GET', path, { query });
export const post = <T = any>(path: string, body: unknown = {}) => api<T>('POST', path, { body });
export const patch = <T = any>(path: string, body: unknown, updateMask?: string[]) =>
  api<T>('PATCH', path, {
    body,
    query: updateMask ? { updateMask: updateMask.join(',') } : undefined,
  });
export const del = <T = any>(path: string) => api<T>('DELETE', path);

// Every page of a keyset-paged list: the items under `field` of each page.
export async function getAll<T = any>(path: string, field: string, pageSize = 1000, query: Query = {}): Promise<T[]> {
  const out: T[] = [];
  let token = '';
  do {
    const r = await get(path, { ...query, pageSize, pageToken: token });
    out.push(...(r[field] ?? []));
    token = r.nextPageToken ?? '';
  } while (token);
  return out;
}

// Saves a changed record: only the fields of `editable` whose values differ between `before`
// and `after` (as the API's update mask); false, and no call, when none does.
export async function patchChanged(
  path: string,
  key: string,
  current: { id: string; etag?: string },
  after: Record<string, unknown>,
  before: Record<string, unknown>,
  editable: readonly string[],
): Promise<boolean> {
  const mask = editable.filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  if (!mask.length) return false;
  await patch(path, { [key]: { ...after, id: current.id, etag: current.etag } }, mask);
  return true;
}

// A server stream: the messages of its newline-delimited JSON ({"result": …} per line, an
// {"error": …} line when it fails).
export async function stream<T = any>(path: string, query?: Query): Promise<T[]> {
  const r = await sendFresh('GET', path + queryString(query), undefined, '');
  const text = await r.text();
  if (!r.ok) throw errorOf(r.status, jsonOf(text));
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const m = JSON.parse(line);
    if (m.error) throw errorOf(r.status, m.error);
    out.push(m.result as T);
  }
  return out;
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(s);
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

// A file upload through a client-streaming method: the metadata message first, then the
// content in chunks of 512 KiB, one JSON message per line.
export async function upload<T = any>(
  path: string,
  file: File,
  metadata: Record<string, unknown>,
  requestId: string,
): Promise<T> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  const meta = {
    ...metadata,
    fileName: file.name,
    contentType: file.type || 'application/octet-stream',
    sizeBytes: String(bytes.length),
    sha256: await sha256Hex(bytes.buffer),
  };
  const lines = [JSON.stringify({ metadata: meta, requestId })];
  for (let i = 0; i < bytes.length; i += 512 * 1024) {
    lines.push(JSON.stringify({ chunk: base64(bytes.subarray(i, i + 512 * 1024)) }));
  }
  const r = await sendFresh('POST', path, lines.join('\n') + '\n', 'application/x-ndjson');
  const text = await r.text();
  if (!r.ok) throw errorOf(r.status, jsonOf(text));
  return JSON.parse(text) as T;
}

// A download through a server-streaming method whose first message carries the metadata and
// the rest `chunk`s: saved as a file by the browser.
export async function download(path: string, query?: Query): Promise<void> {
  const parts = await stream<{ metadata?: { fileName?: string; contentType?: string }; chunk?: string }>(
    path,
    query,
  );
  const meta = parts.find((p) => p.metadata)?.metadata ?? {};
  const chunks = parts
    .filter((p) => p.chunk)
    .map((p) => Uint8Array.from(atob(p.chunk!), (c) => c.charCodeAt(0)));
  const blob = new Blob(chunks, { type: meta.contentType || 'application/octet-stream' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = meta.fileName || 'download';
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

// A new idempotency key for a create request (a retry with the same key creates nothing new).
export function requestId(): string {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
