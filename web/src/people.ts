// Users by id, for showing names instead of ids and for assignment pickers: the directory is
// read once per session as far as the caller may read it (the directory is scoped like every
// record); the names of others that records mention are looked up by id, in batches, once each.
import { useEffect, useState } from 'preact/hooks';
import { getAll, post } from './api';
import { L } from './i18n';
import { can, myId, onSession, session } from './session';

export interface User {
  id: string;
  username: string;
  displayName: string;
  departmentId: string;
  roles?: string[];
  state?: string;
  kind?: string;
}

let cache: Promise<Map<string, User>> | null = null;

export function loadUsers(): Promise<Map<string, User>> {
  if (!can('auth.users.read')) return Promise.resolve(new Map());
  cache ??= getAll<User>('/v1/users', 'users', 500)
    .then((list) => new Map(list.map((u) => [u.id, u])))
    .catch((e) => {
      cache = null;
      throw e;
    });
  return cache;
}

// Display names looked up (null: the lookup did not give one), ids waiting to be looked up, and
// the components to render again when names arrive.
const looked = new Map<string, string | null>();
const pending = new Set<string>();
const listeners = new Set<() => void>();
let flushing = false;

function lookUp(id: string) {
  if (looked.has(id) || pending.has(id) || !/^[0-9a-f-]{36}$/i.test(id)) return;
  pending.add(id);
  if (!flushing) {
    flushing = true;
    setTimeout(flush, 0);
  }
}

async function flush() {
  const ids = [...pending].slice(0, 100);
  let found: { id: string; displayName: string }[] = [];
  try {
    found = (await post<{ users?: typeof found }>('/v1/users:lookupNames', { ids })).users ?? [];
  } catch {
    // Those ids stay shown by their end, and are not asked for again.
  }
  for (const id of ids) {
    looked.set(id, null);
    pending.delete(id);
  }
  for (const u of found) looked.set(u.id, u.displayName);
  listeners.forEach((f) => f());
  if (pending.size) setTimeout(flush, 0);
  else flushing = false;
}

export function forgetUsers() {
  cache = null;
  looked.clear();
}

// The next person to sign in on this page sees only what they may.
onSession((s) => {
  if (!s) forgetUsers();
});

export function useUsers(): Map<string, User> {
  const [users, setUsers] = useState<Map<string, User>>(new Map());
  const [, setNamesSeen] = useState(0);
  useEffect(() => {
    loadUsers().then(setUsers, () => {});
    const update = () => setNamesSeen((n) => n + 1);
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return users;
}

export function nameOf(users: Map<string, User>, id?: string): string {
  if (!id) return '';
  const known = users.get(id)?.displayName ?? looked.get(id);
  if (known) return known;
  if (id === myId()) return session.value?.displayName ?? '';
  lookUp(id);
  // Ids are time-ordered: their last digits tell people apart, their first do not.
  return `${L('用户', 'User')}…${id.slice(-4)}`;
}

// A person's name: the caller's own as signed in, others' as nameOf gives them.
export const who = (users: Map<string, User>, id?: string): string =>
  id && id === myId() ? session.value?.displayName ?? '' : nameOf(users, id);

// Everyone in the directory but service accounts (and `except`), disabled people too, for a select.
export const humanOptions = (users: Map<string, User>, except?: string): [string, string][] =>
  [...users.values()]
    .filter((u) => u.kind !== 'USER_KIND_SERVICE' && u.id !== except)
    .map((u) => [u.id, `${u.displayName}（${u.username}）`]);

// Options for a filter by person: the caller first (as `me`), then the others of `options`.
export const meFirst = (me: string, options: [string, string][]): [string, string][] => [
  [myId(), me],
  ...options.filter(([id]) => id !== myId()),
];

// People in the directory with one of `roles` (all human users when empty), for a select.
export function userOptions(users: Map<string, User>, roles: string[] = []): [string, string][] {
  return [...users.values()]
    .filter((u) => u.kind !== 'USER_KIND_SERVICE' && u.state !== 'USER_STATE_DISABLED')
    .filter((u) => !roles.length || (u.roles ?? []).some((r) => roles.includes(r)))
    .map((u) => [u.id, `${u.displayName}（${u.username}）`] as [string, string]);
}
