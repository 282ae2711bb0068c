// The app's shell: sign-in, the menu (only what the token's permissions allow), the language
// switch, and the screens, each loaded when first opened.
import { render } from 'preact';
import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, Code, post } from './api';
import { fieldMessage } from './field-messages';
import { currentLang, L, setLang } from './i18n';
import { can, onSession, session, signedOut, startSession } from './session';
import { ErrorBox, Field, navigate, Page, Toasts, toast, useForm, useRoute } from './ui';
import type { Route } from './ui';
import './app.css';

type Screen = ComponentType<{ route: Route }>;

interface ScreenDef {
  path: string;
  zh: string;
  en: string;
  icon: string;
  // Shown when the user holds any of these permissions (none: every signed-in user).
  anyOf?: string[];
  load: () => Promise<{ default: Screen }>;
}

const BUSINESS = ['customers.read', 'service.tickets.read', 'payments.read'];

const SCREENS: ScreenDef[] = [
  { path: 'workbench', zh: '工作台', en: 'Workbench', icon: '⌂', anyOf: BUSINESS, load: () => import('./screens/workbench') },
  { path: 'customers', zh: '客户', en: 'Customers', icon: '◎', anyOf: ['customers.read'], load: () => import('./screens/customers') },
  { path: 'opportunities', zh: '商机', en: 'Opportunities', icon: '◇', anyOf: ['pipeline.opportunities.read'], load: () => import('./screens/opportunities') },
  { path: 'contracts', zh: '合同', en: 'Contracts', icon: '▤', anyOf: ['contracts.read'], load: () => import('./screens/contracts') },
  { path: 'finance', zh: '回款', en: 'Receivables', icon: '¥', anyOf: ['payments.read'], load: () => import('./screens/finance') },
  { path: 'tickets', zh: '客户服务', en: 'Service', icon: '☏', anyOf: ['service.tickets.read'], load: () => import('./screens/tickets') },
  { path: 'reports', zh: '统计报表', en: 'Reports', icon: '▥', anyOf: ['analytics.reports.read'], load: () => import('./screens/reports') },
  {
    path: 'admin', zh: '系统管理', en: 'Administration', icon: '⚙',
    anyOf: ['auth.users.write', 'auth.roles.write', 'auth.departments.write', 'dictionaries.write'],
    load: () => import('./screens/admin'),
  },
  { path: 'account', zh: '修改密码', en: 'Password', icon: '🔑', load: async () => ({ default: ChangePassword }) },
];

const allowed = (s: ScreenDef) => !s.anyOf || s.anyOf.some(can);

const loaded = new Map<string, Screen>();

function LazyScreen({ def, route }: { def: ScreenDef; route: Route }) {
  const [screen, setScreen] = useState<Screen | undefined>(() => loaded.get(def.path));
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    if (loaded.has(def.path)) return setScreen(() => loaded.get(def.path));
    def.load().then(
      (m) => {
        loaded.set(def.path, m.default);
        setScreen(() => m.default);
      },
      setError,
    );
  }, [def]);
  if (error) return <ErrorBox error={error} />;
  if (!screen) return <p class="loading">{L('加载中…', 'Loading…')}</p>;
  const S = screen;
  return <S route={route} />;
}

function SignIn() {
  const f = useForm({ username: '', password: '' });
  return (
    <main class="signin">
      <form
        class="panel signin-card"
        onSubmit={f.submit(async (v) => {
          const r = await post('/v1/auth:login', v);
          startSession(r.tokens, r.user?.displayName || v.username);
        })}
      >
        <h1>{L('客户关系管理', 'Customer Relationship Management')}</h1>
        {f.error instanceof ApiError && f.error.code === Code.UNAUTHENTICATED ? (
          <div class="notice error" role="alert">
            {fieldMessage(f.error.message)}
          </div>
        ) : (
          <ErrorBox error={f.error} />
        )}
        <Field label={L('用户名', 'Username')} error={f.errors.username}>
          <input {...f.bind('username')} autocomplete="username" required />
        </Field>
        <Field label={L('密码', 'Password')} error={f.errors.password}>
          <input {...f.bind('password')} type="password" autocomplete="current-password" required />
        </Field>
        <button class="primary" disabled={f.busy}>
          {L('登录', 'Sign in')}
        </button>
        <LangSwitch />
      </form>
    </main>
  );
}

function ChangePassword() {
  const f = useForm({ currentPassword: '', newPassword: '', confirm: '' });
  const [mismatch, setMismatch] = useState('');
  return (
    <Page title={L('修改密码', 'Change password')}>
      <form
        class="panel form narrow"
        onSubmit={f.submit(async (v) => {
          setMismatch('');
          if (v.newPassword !== v.confirm) {
            setMismatch(L('两次输入的新密码不一致', 'The new passwords differ'));
            return;
          }
          const username = session.value?.claims.name ?? '';
          const displayName = session.value?.displayName ?? username;
          await post('/v1/auth:changePassword', { currentPassword: v.currentPassword, newPassword: v.newPassword });
          f.reset({ currentPassword: '', newPassword: '', confirm: '' });
          // The change ended every session of the user, this one too: sign in again with the new password.
          try {
            const r = await post('/v1/auth:login', { username, password: v.newPassword });
            startSession(r.tokens, displayName);
            toast(L('密码已修改', 'Password changed'));
          } catch {
            signedOut();
          }
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('当前密码', 'Current password')} error={f.errors.currentPassword}>
          <input {...f.bind('currentPassword')} type="password" autocomplete="current-password" />
        </Field>
        <Field label={L('新密码', 'New password')} error={f.errors.newPassword}>
          <input {...f.bind('newPassword')} type="password" autocomplete="new-password" />
        </Field>
        <Field label={L('确认新密码', 'Confirm the new password')} error={mismatch}>
          <input {...f.bind('confirm')} type="password" autocomplete="new-password" />
        </Field>
        <button class="primary" disabled={f.busy}>
          {L('保存', 'Save')}
        </button>
      </form>
    </Page>
  );
}

function LangSwitch() {
  return (
    <button
      type="button"
      class="link lang"
      onClick={() => {
        setLang(currentLang() === 'zh' ? 'en' : 'zh');
        rerender();
      }}
    >
      {currentLang() === 'zh' ? 'English' : '中文'}
    </button>
  );
}

async function signOut() {
  const refreshToken = session.value?.refreshToken;
  try {
    if (refreshToken) await post('/v1/auth:logout', { refreshToken });
  } finally {
    signedOut();
  }
}

function Shell() {
  const route = useRoute();
  const [menuOpen, setMenuOpen] = useState(false);
  const screens = SCREENS.filter(allowed);
  const home = screens[0]?.path ?? 'account';
  const def = screens.find((s) => s.path === route.parts[0]);
  useEffect(() => {
    if (!def) navigate(`/${home}`);
    setMenuOpen(false);
  }, [route.path]);
  const s = session.value!;
  return (
    <div class={`shell${menuOpen ? ' menu-open' : ''}`}>
      <header class="topbar">
        <button type="button" class="menu-button" aria-label={L('菜单', 'Menu')} onClick={() => setMenuOpen(!menuOpen)}>
          ☰
        </button>
        <span class="brand">{L('客户关系管理', 'CRM')}</span>
        <span class="who">{s.displayName}</span>
        <LangSwitch />
        <button type="button" class="link" onClick={signOut}>
          {L('退出', 'Sign out')}
        </button>
      </header>
      <nav class="sidebar" aria-label={L('主菜单', 'Main menu')}>
        {screens.map((x) => (
          <a href={`#/${x.path}`} class={x === def ? 'active' : ''} data-screen={x.path}>
            <span class="icon" aria-hidden="true">
              {x.icon}
            </span>
            {L(x.zh, x.en)}
          </a>
        ))}
      </nav>
      <main class="content">{def ? <LazyScreen def={def} route={route} key={def.path} /> : null}</main>
      <Toasts />
    </div>
  );
}

function App() {
  const [, setSignedIn] = useState(!!session.value);
  useEffect(() => {
    let user = session.value?.claims.sub;
    return onSession((s) => {
      // Signed out, or another user signed in (in another tab): start afresh, so that nothing
      // the previous user loaded (names, filters, the last record's address) stays in memory.
      if (user && s?.claims.sub !== user) return location.replace(location.pathname);
      user = s?.claims.sub;
      setSignedIn(!!s);
    });
  }, []);
  return session.value ? <Shell /> : <SignIn />;
}

const root = document.getElementById('app')!;
let version = 0;
function rerender() {
  render(<App key={++version} />, root);
}
rerender();
