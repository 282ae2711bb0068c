// Users by id, for showing names instead of ids and for assignment pickers: the directory is
// read once per session as far as the caller may read it (the directory is scoped like every
// record; others are shown by the end of their id).
import { useEffect, useState } from 'preact/hooks';
import { getAll } from './api';
import { L } from './i18n';
import { can, myId, session } from './session';

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

export function forgetUsers() {
  cache = null;
}

export function useUsers(): Map<string, User> {
  const [users, setUsers] = useState<Map<string, User>>(new Map());
  useEffect(() => {
    loadUsers().then(setUsers, () => {});
  }, []);
  return users;
}

export function nameOf(users: Map<string, User>, id?: string): string {
  if (!id) return '';
  // Ids are time-ordered: their last digits tell people apart, their first do not.
  return users.get(id)?.displayName ?? (id === myId() ? session.value?.displayName ?? '' : `${L('用户', 'User')}…${id.slice(-4)}`);
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
