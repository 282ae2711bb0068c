// The few building blocks every screen uses: loading data, forms whose errors sit beside their
// fields, tables that become cards on a phone, tabs, badges and notices.
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, Code, get, queryString } from './api';
import type { Query } from './api';
import { fieldMessage } from './field-messages';
import { L } from './i18n';

// ---- routing (hash based: #/customers/42?tab=contacts) ----

export interface Route {
  path: string; // "/customers/42"
  parts: string[]; // ["customers", "42"]
  query: URLSearchParams;
}

export function currentRoute(): Route {
  const h = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = h.split('?');
  return { path, parts: path.split('/').filter(Boolean), query: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export const navigate = (path: string) => {
  location.hash = path;
};

export function Link(props: { to: string; children: ComponentChildren; class?: string }) {
  return (
    <a href={`#${props.to}`} class={props.class}>
      {props.children}
    </a>
  );
}

// ---- messages ----

// What a person can do about an error.
export function errorText(e: unknown): string {
  if (!(e instanceof ApiError)) return String(e);
  switch (e.code) {
    case 0:
      return L('无法连接服务器，请检查网络后重试', 'Cannot reach the server; check the network and retry');
    case Code.PERMISSION_DENIED:
      return deniedText() + `（${e.message}）`;
    case Code.UNAUTHENTICATED:
      return L('登录已过期，请重新登录', 'Your session has ended; please sign in again');
    case Code.NOT_FOUND:
      return L('记录不存在或不在您的范围内', 'The record does not exist or is outside your scope');
    case Code.ABORTED:
      return L('记录已被他人修改，请刷新后重试', 'Someone else changed the record; reload and retry');
    case Code.RESOURCE_EXHAUSTED:
      return L('请求过于频繁，请稍后重试', 'Too many requests; try again shortly');
    case Code.UNAVAILABLE:
      return L('服务暂时不可用', 'The service is unavailable for now') + `（${e.message}）`;
    default:
      return e.message;
  }
}

const deniedText = () => L('您没有权限执行此操作', 'You do not have permission to do this');

// A page the caller may not use.
export function Denied() {
  return (
    <div class="notice error denied" role="alert">
      {deniedText()}
    </div>
  );
}

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const denied = error instanceof ApiError && error.code === Code.PERMISSION_DENIED;
  return (
    <div class={`notice error${denied ? ' denied' : ''}`} role="alert">
      {errorText(error)}
    </div>
  );
}

let toastSetter: ((t: string) => void) | null = null;
export const toast = (text: string) => toastSetter?.(text);

export function Toasts() {
  const [text, setText] = useState('');
  useEffect(() => {
    toastSetter = (t) => {
      setText(t);
      setTimeout(() => setText((cur) => (cur === t ? '' : cur)), 3000);
    };
    return () => (toastSetter = null);
  }, []);
  return text ? (
    <div class="toast" role="status">
      {text}
    </div>
  ) : null;
}

// ---- data ----

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload: () => void;
}

// Loads with `fn` when `deps` change; a stale answer never overwrites a newer one.
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({
    loading: true,
  });
  const seq = useRef(0);
  const run = useCallback(() => {
    const n = ++seq.current;
    setState((s) => ({ ...s, loading: true }));
    fn().then(
      (data) => n === seq.current && setState({ data, loading: false }),
      (error) => n === seq.current && setState({ error, loading: false }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps);
  useEffect(run, [run]);
  return { data: state.data, error: state.error, loading: state.loading, reload: run };
}

export function useDebounced<T>(value: T, ms = 250): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const t = setTimeout(() => setV(value), ms);
    return () => clearTimeout(t);
  }, [value, ms]);
  return v;
}

// ---- forms ----

export interface FormState<T> {
  values: T;
  set: <K extends keyof T>(name: K, value: T[K]) => void;
  bind: (name: keyof T & string) => {
    name: string;
    value: any;
    onInput: (e: JSX.TargetedEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  };
  errors: Record<string, string>;
  error: unknown;
  busy: boolean;
  // Runs `fn`; field violations land beside their fields, other errors above the form.
  submit: (fn: (values: T) => Promise<unknown>) => (e?: Event) => Promise<void>;
  reset: (values: T) => void;
}

// `fieldOf` maps an API field path ("customer.name", "items[0].quantity") to a form field.
export function useForm<T extends Record<string, any>>(
  initial: T,
  fieldOf: (path: string) => string = (p) => p.split('.').pop()!.replace(/\[.*$/, ''),
): FormState<T> {
  const [values, setValues] = useState<T>(initial);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof T>(name: K, value: T[K]) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      if (!e[name as string]) return e;
      const { [name as string]: _, ...rest } = e;
      return rest;
    });
  };
  return {
    values,
    set,
    bind: (name) => ({
      name,
      value: values[name] ?? '',
      onInput: (e) => set(name, (e.currentTarget as HTMLInputElement).value as any),
    }),
    errors,
    error,
    busy,
    reset: (v) => {
      setValues(v);
      setErrors({});
      setError(null);
    },
    submit: (fn) => async (e) => {
      e?.preventDefault();
      setBusy(true);
      setError(null);
      setErrors({});
      try {
        await fn(values);
      } catch (err) {
        if (err instanceof ApiError && Object.keys(err.violations).length) {
          const byField: Record<string, string> = {};
          for (const [path, why] of Object.entries(err.violations)) {
            byField[camel(fieldOf(path))] = fieldMessage(why);
          }
          setErrors(byField);
          // Violations of fields this form does not show (an etag, an upload's metadata) go above it.
          const unshown = Object.entries(err.violations).filter(([path]) => !(camel(fieldOf(path)) in values));
          if (err.code !== Code.INVALID_ARGUMENT) setError(err);
          else if (unshown.length) {
            const text = unshown.map(([path, why]) => `${path}: ${fieldMessage(why)}`).join('; ');
            setError(new ApiError(text, err.code, err.status));
          } else setError(null);
        } else {
          setError(err);
        }
      } finally {
        setBusy(false);
      }
    },
  };
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

// A check made before calling the API, reported like the API's own field violations (by field path).
export const invalid = (violations: Record<string, string>) =>
  new ApiError(L('请检查填写的内容', 'Check the form'), Code.INVALID_ARGUMENT, 400, violations);

export function Field(props: {
  label: string;
  error?: string;
  children: ComponentChildren;
  wide?: boolean;
  hint?: string;
}) {
  return (
    <label class={`field${props.error ? ' invalid' : ''}${props.wide ? ' wide' : ''}`}>
      <span class="label">{props.label}</span>
      {props.children}
      {props.error ? (
        <span class="field-error" role="alert">
          {props.error}
        </span>
      ) : props.hint ? (
        <span class="hint">{props.hint}</span>
      ) : null}
    </label>
  );
}

// A select's options (`empty`: a first option for none).
export function Options(props: { options: [string, string][]; empty?: string }) {
  return (
    <>
      {props.empty !== undefined && <option value="">{props.empty}</option>}
      {props.options.map(([v, label]) => (
        <option value={v} key={v}>
          {label}
        </option>
      ))}
    </>
  );
}

export function Select(props: {
  value: string;
  onChange: (v: string) => void;
  options: [string, string][];
  name?: string;
  empty?: string;
  disabled?: boolean;
}) {
  return (
    <select name={props.name} value={props.value} disabled={props.disabled} onChange={(e) => props.onChange(e.currentTarget.value)}>
      <Options options={props.options} empty={props.empty} />
    </select>
  );
}

export function Check(props: { name: string; checked: boolean; onChange: (v: boolean) => void; children: ComponentChildren }) {
  return (
    <label class="check">
      <input type="checkbox" name={props.name} checked={props.checked} onChange={(e) => props.onChange(e.currentTarget.checked)} />
      {props.children}
    </label>
  );
}

// A day ("2026-12-06", empty for none), for a filter.
export function DateInput(props: { name: string; value: string; onChange: (v: string) => void; title?: string }) {
  return (
    <input
      type="date"
      name={props.name}
      title={props.title}
      value={props.value}
      onInput={(e) => props.onChange(e.currentTarget.value)}
    />
  );
}

// A form's buttons: submit (`action` names it for the browser tests; `danger` for one that
// cannot be undone), cancel when `onCancel` is given, then `children`.
export function FormButtons(props: {
  busy: boolean;
  label: ComponentChildren;
  action?: string;
  danger?: boolean;
  onCancel?: () => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="buttons">
      <button class={props.danger ? 'danger' : 'primary'} data-action={props.action} disabled={props.busy}>
        {props.label}
      </button>
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          {L('取消', 'Cancel')}
        </button>
      )}
      {props.children}
    </div>
  );
}

// A button that asks once more in the page (no browser dialog): `confirm-<action>` does it; with
// a `question`, that and a way back are shown beside it.
export function ConfirmButton(props: { action: string; label: string; confirm: string; question?: string; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button type="button" class="danger" data-action={props.action} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  }
  return (
    <>
      {props.question && <span class="hint">{props.question}</span>}
      <button type="button" class="danger" data-action={`confirm-${props.action}`} onClick={props.onConfirm}>
        {props.confirm}
      </button>
      {props.question && (
        <button type="button" onClick={() => setAsking(false)}>
          {L('取消', 'Cancel')}
        </button>
      )}
    </>
  );
}

// Actions run from buttons, not forms: the last one's error, to be shown, and `busy`, the key of
// the one running ('' when none; one run with the key '' does not show as busy).
export function useAction() {
  const [busy, setBusy] = useState('');
  const [error, setError] = useState<unknown>(null);
  const run = async (fn: () => Promise<unknown>, key = 'busy') => {
    if (key) setBusy(key);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(e);
    } finally {
      if (key) setBusy('');
    }
  };
  return { busy, error, run };
}

// ---- layout ----

export function Page(props: { title: string; actions?: ComponentChildren; children: ComponentChildren }) {
  useEffect(() => {
    document.title = `${props.title} · ${L('客户关系管理', 'CRM')}`;
  }, [props.title]);
  return (
    <section class="page">
      <header class="page-head">
        <h1>{props.title}</h1>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}

export function Panel(props: { title?: string; children: ComponentChildren; actions?: ComponentChildren; class?: string }) {
  return (
    <div class={`panel ${props.class ?? ''}`}>
      {(props.title || props.actions) && (
        <div class="panel-head">
          {props.title && <h2>{props.title}</h2>}
          {props.actions && <div class="actions">{props.actions}</div>}
        </div>
      )}
      {props.children}
    </div>
  );
}

// A record's page while the record loads, or when it could not be read.
export function Pending({ title, loaded }: { title: string; loaded: Loaded<unknown> }) {
  return (
    <Page title={title}>
      <ErrorBox error={loaded.error} />
      <Loading loading={loaded.loading} />
    </Page>
  );
}

// A record's edit page ("Edit: <name>"): the record read from `path`, then its form.
export function EditPage(props: { path: string; name: (r: any) => string; pending: string; form: (r: any) => ComponentChildren }) {
  const r = useLoad(() => get(props.path), [props.path]);
  if (!r.data) return <Pending title={props.pending} loaded={r} />;
  return <Page title={`${L('编辑', 'Edit')}：${props.name(r.data)}`}>{props.form(r.data)}</Page>;
}

// Filters above a list; on a phone the less used ones (`more`) fold away behind a button.
export function FoldingFilters(props: { children: ComponentChildren; more: ComponentChildren }) {
  const [open, setOpen] = useState(false);
  return (
    <div class={`filters${open ? ' open' : ''}`}>
      {props.children}
      <button type="button" class="more-filters" data-action="more-filters" onClick={() => setOpen(!open)}>
        {open ? L('收起筛选', 'Fewer filters') : L('更多筛选', 'More filters')}
      </button>
      <div class="advanced">{props.more}</div>
    </div>
  );
}

export interface Column<T> {
  label: string;
  render: (row: T) => ComponentChildren;
  class?: string;
}

// A table on wide screens; each row a card with labelled values on a phone.
export function Table<T>(props: {
  columns: Column<T>[];
  rows: T[] | undefined;
  onRow?: (row: T) => void;
  empty?: string;
  rowKey?: (row: T, i: number) => string;
}) {
  if (props.rows && props.rows.length === 0) {
    return <p class="empty">{props.empty ?? L('暂无数据', 'Nothing here yet')}</p>;
  }
  return (
    <div class="table-wrap">
      <table class="table">
        <thead>
          <tr>
            {props.columns.map((c) => (
              <th class={c.class}>{c.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {(props.rows ?? []).map((r, i) => (
            <tr
              key={props.rowKey ? props.rowKey(r, i) : i}
              class={props.onRow ? 'clickable' : ''}
              onClick={props.onRow ? () => props.onRow!(r) : undefined}
            >
              {props.columns.map((c) => (
                <td data-label={c.label} class={c.class}>
                  {c.render(r)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Tabs(props: { tabs: [string, string][]; active: string; onChange: (id: string) => void }) {
  return (
    <nav class="tabs" role="tablist">
      {props.tabs.map(([id, label]) => (
        <button
          type="button"
          role="tab"
          aria-selected={id === props.active}
          class={id === props.active ? 'active' : ''}
          onClick={() => props.onChange(id)}
        >
          {label}
        </button>
      ))}
    </nav>
  );
}

export type Tone = 'ok' | 'warn' | 'bad' | 'info';

export function Badge(props: { tone?: Tone; children: ComponentChildren }) {
  return <span class={`badge ${props.tone ?? 'info'}`}>{props.children}</span>;
}

// The badge of an enum's values: its label, in the tone `tones` gives the value (else `otherwise`).
export const badgeOf =
  (label: (v?: string) => string, tones: Record<string, Tone>, otherwise: Tone = 'info') =>
  ({ value }: { value?: string }) =>
    value ? <Badge tone={tones[value] ?? otherwise}>{label(value)}</Badge> : null;

// A figure with its label, in a row of them (class stats).
export function Stat(props: { label: string; children: ComponentChildren; class?: string; field?: string }) {
  return (
    <div class={props.class ? `stat ${props.class}` : 'stat'}>
      {props.label}
      <b data-field={props.field}>{props.children}</b>
    </div>
  );
}

export function Loading({ loading }: { loading: boolean }) {
  return loading ? <p class="loading">{L('加载中…', 'Loading…')}</p> : null;
}

// "Load more" for keyset pages.
export function MoreButton(props: { token?: string; onMore: (token: string) => void }) {
  if (!props.token) return null;
  return (
    <button type="button" class="more" onClick={() => props.onMore(props.token!)}>
      {L('加载更多', 'Load more')}
    </button>
  );
}

// Loads a keyset-paged list: `fetchPage(token)` returns the rows and the next page's token.
export function usePaged<T>(
  fetchPage: (token: string) => Promise<{ rows: T[]; next?: string }>,
  deps: unknown[],
) {
  const [rows, setRows] = useState<T[] | undefined>(undefined);
  const [next, setNext] = useState<string | undefined>();
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const seq = useRef(0);
  const load = (token: string, append: boolean) => {
    const n = ++seq.current;
    setLoading(true);
    fetchPage(token).then(
      (p) => {
        if (n !== seq.current) return;
        setRows((old) => (append ? [...(old ?? []), ...p.rows] : p.rows));
        setNext(p.next || undefined);
        setError(null);
        setLoading(false);
      },
      (e) => {
        if (n !== seq.current) return;
        setError(e);
        setLoading(false);
      },
    );
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => load('', false), deps);
  return { rows, next, error, loading, more: (t: string) => load(t, true), reload: () => load('', false) };
}

// A list the API pages through: `field` of the pages of `path` for `query`, read again when the
// query or anything in `also` changes.
export const usePagedList = <T = any,>(path: string, field: string, query: Query = {}, also: unknown[] = [], pageSize = 50) =>
  usePaged<T>(
    async (token) => {
      const r = await get(path, { ...query, pageSize, pageToken: token });
      return { rows: r[field] ?? [], next: r.nextPageToken };
    },
    [path, field, queryString(query), pageSize, ...also],
  );
