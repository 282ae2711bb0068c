// The signed-in user's session: tokens kept in localStorage (shared by the app's tabs), the
// access token's claims (name, roles, permissions, data scope) read from its payload, and a
// refresh with the refresh token a minute before the access token expires.

export interface Claims {
  sub: string;
  name: string;
  roles: string[];
  perms: string[];
  dept: string;
  scope: string;
  exp: number;
}

export interface Session {
  accessToken: string;
  refreshToken: string;
  accessExpires: number; // ms since the epoch
  claims: Claims;
  displayName: string;
}

const KEY = 'crm.session';
type Listener = (s: Session | null) => void;
const listeners = new Set<Listener>();

function decodeClaims(token: string): Claims {
  const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(part), (c) => c.charCodeAt(0));
  const c = JSON.parse(new TextDecoder().decode(bytes));
  return { ...c, roles: c.roles ?? [], perms: c.perms ?? [] };
}

function load(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) || 'null') as Session | null;
    return s && s.refreshToken ? s : null;
  } catch {
    return null;
  }
}

export const session: { value: Session | null } = { value: load() };

export function onSession(l: Listener): () => void {
  listeners.add(l);
  return () => listeners.delete(l);
}

let timer: number | undefined;

function set(s: Session | null) {
  session.value = s;
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
  listeners.forEach((l) => l(s));
  schedule();
}

interface TokensJson {
  accessToken: string;
  accessTokenExpireTime: string;
  refreshToken: string;
}

export function startSession(tokens: TokensJson, displayName: string) {
  set({
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    accessExpires: Date.parse(tokens.accessTokenExpireTime),
    claims: decodeClaims(tokens.accessToken),
    displayName,
  });
}

export function signedOut() {
  set(null);
}

let refreshing: Promise<boolean> | null = null;

// The tabs share one session, and the server ends a session whose refresh token is used twice:
// one tab refreshes at a time (a Web Lock where the browser has them), and a tab that finds
// the stored tokens changed by another tab while it waited takes those instead.
function oneTabAtATime<T>(fn: () => Promise<T>): Promise<T> {
  // (request's promise settles with the callback's: typed one level too deep)
  return navigator.locks ? (navigator.locks.request('crm.session.refresh', fn) as unknown as Promise<T>) : fn();
}

// Exchanges the refresh token for new tokens (once at a time); false when the session is over.
// True also when the refresh could not be made just now (the access token is then unchanged).
export function refreshSoon(now = false): Promise<boolean> {
  const s = session.value;
  if (!s) return Promise.resolve(false);
  if (!now && s.accessExpires - Date.now() > 90_000) return Promise.resolve(true);
  refreshing ??= oneTabAtATime(async () => {
    const stored = load();
    if (!stored) {
      set(null); // another tab signed out
      return false;
    }
    if (stored.refreshToken !== s.refreshToken) {
      adopt(stored); // another tab refreshed
      return true;
    }
    try {
      const r = await fetch('/v1/auth:refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: s.refreshToken }),
      });
      if (r.status === 401 || r.status === 400) {
        set(null);
        return false;
      }
      if (!r.ok) return true; // the gateway is unreachable or busy for now: try again later
      const body = await r.json();
      startSession(body.tokens, s.displayName);
      return true;
    } catch {
      return true;
    }
  }).finally(() => (refreshing = null));
  return refreshing;
}

// Takes the session another tab stored.
function adopt(s: Session) {
  session.value = s;
  listeners.forEach((l) => l(s));
  schedule();
}

function schedule() {
  clearTimeout(timer);
  const s = session.value;
  if (!s) return;
  const wait = Math.max(5_000, s.accessExpires - Date.now() - 60_000);
  timer = window.setTimeout(() => void refreshSoon(true), wait);
}

schedule();
// Another tab signed in, refreshed or signed out.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  const s = load();
  if (s) adopt(s);
  else {
    session.value = null;
    listeners.forEach((l) => l(null));
    schedule();
  }
});

export const can = (permission: string) => !!session.value?.claims.perms.includes(permission);
export const hasRole = (role: string) => !!session.value?.claims.roles.includes(role);
export const myId = () => session.value?.claims.sub ?? '';
