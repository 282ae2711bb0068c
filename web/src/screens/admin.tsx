// Administration (系统管理): users (create, edit, roles, password, unlock, disable), the
// department tree, roles with their permissions and data scope, the customer dictionaries and,
// for whoever may read tickets too, ticket types and SLA policies.
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, Code, get, getAll, patch, post, requestId } from '../api';
import { allDepartments, departmentName, departmentOptions, treeOf } from '../departments';
import type { Department } from '../departments';
import { dateTime } from '../format';
import { L } from '../i18n';
import {
  DATA_SCOPE,
  dataScope,
  DICTIONARY_KIND,
  dictionaryKind,
  optionsOf,
  TICKET_PRIORITY,
  ticketPriority,
  USER_STATE,
  userState,
} from '../labels';
import { forgetUsers, humanOptions, nameOf, useUsers } from '../people';
import type { User } from '../people';
import { can, myId } from '../session';
import {
  Badge,
  Check,
  ErrorBox,
  Field,
  FormButtons,
  Link,
  Loading,
  MoreButton,
  navigate,
  Page,
  Panel,
  Select,
  Table,
  Tabs,
  toast,
  useAction,
  useDebounced,
  useForm,
  useLoad,
  usePagedList,
} from '../ui';
import type { FormState, Route } from '../ui';

// ---- shared data: departments and roles ----

interface Role {
  name: string;
  displayName?: string;
  description?: string;
  dataScope?: string;
  permissions?: string[];
  builtin?: boolean;
  etag?: string;
}

interface FullUser extends User {
  email?: string;
  phone?: string;
  managerId?: string;
  etag?: string;
  lockExpireTime?: string;
  lastLoginTime?: string;
  createTime?: string;
}

let directory: Promise<{ departments: Department[]; roles: Role[] }> | null = null;

function loadDirectory() {
  directory ??= Promise.all([
    can('auth.departments.read') ? allDepartments() : [],
    can('auth.roles.read') ? getAll<Role>('/v1/roles', 'roles') : [],
  ]).then(
    ([departments, roles]) => ({ departments, roles }),
    (e) => {
      directory = null;
      throw e;
    },
  );
  return directory;
}

// After a change to departments or roles.
function forgetDirectory() {
  directory = null;
}

function useDirectory(version = 0) {
  return useLoad(loadDirectory, [version]);
}

const roleName = (roles: Role[], name: string) => roles.find((r) => r.name === name)?.displayName || name;

// A set of checkboxes named `name`, one per option.
function Checks(props: {
  name: string;
  value: string[];
  onChange: (v: string[]) => void;
  options: [string, ComponentChildren][];
}) {
  return (
    <div class="checks">
      {props.options.map(([v, label]) => (
        <label class="check">
          <input
            type="checkbox"
            name={props.name}
            value={v}
            checked={props.value.includes(v)}
            onChange={(e) =>
              props.onChange(e.currentTarget.checked ? [...props.value, v] : props.value.filter((x) => x !== v))
            }
          />
          <span>{label}</span>
        </label>
      ))}
    </div>
  );
}

// ---- users ----

function UserList() {
  const dir = useDirectory();
  const [query, setQuery] = useState('');
  const [departmentId, setDepartmentId] = useState('');
  const [role, setRole] = useState('');
  const [state, setState] = useState('');
  const q = useDebounced(query.trim());
  const page = usePagedList<FullUser>('/v1/users', 'users', {
    query: q,
    departmentId,
    includeSubdepartments: departmentId ? true : undefined,
    role,
    state,
  });
  const departments = dir.data?.departments ?? [];
  const roles = dir.data?.roles ?? [];
  return (
    <Panel
      title={L('用户', 'Users')}
      actions={
        can('auth.users.write') && (
          <button type="button" class="primary" data-action="create" onClick={() => navigate('/admin/users/new')}>
            {L('新建用户', 'New user')}
          </button>
        )
      }
    >
      <div class="filters">
        <input name="query" value={query} placeholder={L('用户名或姓名', 'Username or name')} onInput={(e) => setQuery(e.currentTarget.value)} />
        <Select name="departmentId" value={departmentId} onChange={setDepartmentId} empty={L('全部部门', 'All departments')} options={departmentOptions(departments)} />
        <Select name="role" value={role} onChange={setRole} empty={L('全部角色', 'All roles')} options={roles.map((r) => [r.name, r.displayName || r.name])} />
        <Select name="state" value={state} onChange={setState} empty={L('全部状态', 'Any state')} options={optionsOf('USER_STATE_', USER_STATE, userState)} />
      </div>
      <ErrorBox error={page.error || dir.error} />
      <Loading loading={page.loading && !page.rows} />
      <Table<FullUser>
        rows={page.rows}
        onRow={(u) => navigate(`/admin/users/${u.id}`)}
        rowKey={(u) => u.id}
        empty={L('没有符合条件的用户', 'No users match')}
        columns={[
          { label: L('用户名', 'Username'), render: (u) => u.username },
          { label: L('姓名', 'Name'), render: (u) => u.displayName },
          { label: L('部门', 'Department'), render: (u) => departmentName(departments, u.departmentId) },
          {
            label: L('角色', 'Roles'),
            render: (u) => (
              <span class="badges">
                {(u.roles ?? []).map((r) => (
                  <Badge>{roleName(roles, r)}</Badge>
                ))}
              </span>
            ),
          },
          { label: L('状态', 'State'), render: (u) => <UserBadges u={u} /> },
          { label: L('最近登录', 'Last sign-in'), render: (u) => dateTime(u.lastLoginTime) },
        ]}
      />
      <MoreButton token={page.next} onMore={page.more} />
    </Panel>
  );
}

const locked = (u: FullUser) => !!u.lockExpireTime && Date.parse(u.lockExpireTime) > Date.now();

function UserBadges({ u }: { u: FullUser }) {
  return (
    <span class="badges">
      <Badge tone={u.state === 'USER_STATE_DISABLED' ? 'bad' : 'ok'}>{userState(u.state)}</Badge>
      {locked(u) && <Badge tone="warn">{L('已锁定', 'Locked')}</Badge>}
      {u.kind === 'USER_KIND_SERVICE' && <Badge>{L('服务账号', 'Service account')}</Badge>}
    </span>
  );
}

// A user's name, contacts, department and manager (not `self`), in a form with those fields.
function ProfileFields({ f, departments, users, self }: { f: FormState<any>; departments: Department[]; users: Map<string, User>; self?: string }) {
  return (
    <>
      <Field label={L('姓名', 'Name')} error={f.errors.displayName}>
        <input {...f.bind('displayName')} required />
      </Field>
      <Field label={L('邮箱', 'Email')} error={f.errors.email}>
        <input {...f.bind('email')} type="email" />
      </Field>
      <Field label={L('手机', 'Phone')} error={f.errors.phone}>
        <input {...f.bind('phone')} type="tel" />
      </Field>
      <Field label={L('部门', 'Department')} error={f.errors.departmentId}>
        <Select
          name="departmentId"
          value={f.values.departmentId}
          onChange={(x) => f.set('departmentId', x)}
          empty={L('（无）', '(none)')}
          options={departmentOptions(departments)}
        />
      </Field>
      <Field label={L('直属上级', 'Manager')} error={f.errors.managerId}>
        <Select
          name="managerId"
          value={f.values.managerId}
          onChange={(x) => f.set('managerId', x)}
          empty={L('（无）', '(none)')}
          options={humanOptions(users, self)}
        />
      </Field>
    </>
  );
}

function NewUser() {
  const dir = useDirectory();
  const users = useUsers();
  const [key, setKey] = useState(requestId);
  const f = useForm({
    username: '',
    displayName: '',
    email: '',
    phone: '',
    departmentId: '',
    managerId: '',
    roles: [] as string[],
    initialPassword: '',
  });
  const v = f.values;
  return (
    <Panel title={L('新建用户', 'New user')}>
      <form
        class="form"
        onSubmit={f.submit(async ({ initialPassword, ...user }) => {
          try {
            const created = await post('/v1/users', { requestId: key, user, initialPassword });
            forgetUsers();
            toast(L('用户已创建', 'User created'));
            navigate(`/admin/users/${created.id}`);
          } catch (e) {
            // Nothing was created: the next try is a new request.
            if (e instanceof ApiError && e.status >= 400 && e.status < 500) setKey(requestId());
            throw e;
          }
        })}
      >
        <ErrorBox error={f.error || dir.error} />
        <Field label={L('用户名', 'Username')} error={f.errors.username} hint={L('字母、数字或 . _ - @', 'Letters, digits or . _ - @')}>
          <input {...f.bind('username')} autocomplete="off" required />
        </Field>
        <ProfileFields f={f} departments={dir.data?.departments ?? []} users={users} />
        <Field label={L('初始密码', 'Initial password')} error={f.errors.initialPassword} hint={L('至少 8 个字符，不含用户名', 'At least 8 characters, not containing the username')}>
          <input {...f.bind('initialPassword')} type="password" autocomplete="new-password" />
        </Field>
        <Field label={L('角色', 'Roles')} error={f.errors.roles} wide>
          <Checks name="roles" value={v.roles} onChange={(x) => f.set('roles', x)} options={(dir.data?.roles ?? []).map((r) => [r.name, r.displayName || r.name])} />
        </Field>
        <FormButtons busy={f.busy} action="create" label={L('创建', 'Create')} onCancel={() => navigate('/admin/users')} />
      </form>
    </Panel>
  );
}

function UserDetail({ id }: { id: string }) {
  const user = useLoad(() => get<FullUser>(`/v1/users/${id}`), [id]);
  const dir = useDirectory();
  const u = user.data;
  const writable = can('auth.users.write');
  const changed = () => {
    forgetUsers();
    user.reload();
  };
  return (
    <>
      <p>
        <Link to="/admin/users">← {L('返回用户列表', 'Back to users')}</Link>
      </p>
      <ErrorBox error={user.error || dir.error} />
      <Loading loading={user.loading && !u} />
      {u && (
        <div class="admin-user" key={u.etag}>
          <Panel title={`${u.displayName}（${u.username}）`} actions={<UserBadges u={u} />}>
            <dl class="props">
              <dt>{L('部门', 'Department')}</dt>
              <dd>{departmentName(dir.data?.departments ?? [], u.departmentId) || '—'}</dd>
              <dt>{L('创建时间', 'Created')}</dt>
              <dd>{dateTime(u.createTime)}</dd>
              <dt>{L('最近登录', 'Last sign-in')}</dt>
              <dd>{dateTime(u.lastLoginTime) || '—'}</dd>
              {locked(u) && (
                <>
                  <dt>{L('锁定至', 'Locked until')}</dt>
                  <dd>{dateTime(u.lockExpireTime)}</dd>
                </>
              )}
            </dl>
            {writable && <UserStateActions u={u} onDone={changed} />}
          </Panel>
          {writable ? (
            <>
              <UserProfile u={u} departments={dir.data?.departments ?? []} onSaved={changed} />
              <UserRoles u={u} roles={dir.data?.roles ?? []} onSaved={changed} />
              {u.kind !== 'USER_KIND_SERVICE' && <ResetPassword u={u} onSaved={changed} />}
            </>
          ) : (
            <Panel title={L('角色', 'Roles')}>
              {(u.roles ?? []).map((r) => (
                <Badge>{roleName(dir.data?.roles ?? [], r)}</Badge>
              ))}
            </Panel>
          )}
        </div>
      )}
    </>
  );
}

function UserStateActions({ u, onDone }: { u: FullUser; onDone: () => void }) {
  const action = useAction();
  const busy = !!action.busy;
  const disabled = u.state === 'USER_STATE_DISABLED';
  const act = (what: () => Promise<unknown>, done: string) =>
    action.run(async () => {
      await what();
      toast(done);
      onDone();
    });
  const setState = (state: string) =>
    patch(`/v1/users/${u.id}`, { user: { id: u.id, etag: u.etag, state } }, ['state']);
  return (
    <>
      <ErrorBox error={action.error} />
      <div class="buttons admin-actions">
        {locked(u) && (
          <button type="button" data-action="unlock" disabled={busy} onClick={() => act(() => post(`/v1/users/${u.id}:unlock`), L('已解除锁定', 'Unlocked'))}>
            {L('解除锁定', 'Unlock')}
          </button>
        )}
        {disabled ? (
          <button type="button" data-action="enable" disabled={busy} onClick={() => act(() => setState('USER_STATE_ACTIVE'), L('已启用', 'Enabled'))}>
            {L('启用', 'Enable')}
          </button>
        ) : (
          u.id !== myId() && (
            <button
              type="button"
              class="danger"
              data-action="disable"
              disabled={busy}
              onClick={() =>
                confirm(L(`停用 ${u.displayName}？其登录会话将被注销。`, `Disable ${u.displayName}? Their sessions end.`)) &&
                act(() => setState('USER_STATE_DISABLED'), L('已停用', 'Disabled'))
              }
            >
              {L('停用', 'Disable')}
            </button>
          )
        )}
      </div>
    </>
  );
}

function UserProfile({ u, departments, onSaved }: { u: FullUser; departments: Department[]; onSaved: () => void }) {
  const users = useUsers();
  const f = useForm({
    displayName: u.displayName ?? '',
    email: u.email ?? '',
    phone: u.phone ?? '',
    departmentId: u.departmentId ?? '',
    managerId: u.managerId ?? '',
  });
  return (
    <Panel title={L('基本信息', 'Profile')}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          await patch(`/v1/users/${u.id}`, { user: { id: u.id, etag: u.etag, ...x } }, Object.keys(x));
          toast(L('已保存', 'Saved'));
          onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <ProfileFields f={f} departments={departments} users={users} self={u.id} />
        <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')} />
      </form>
    </Panel>
  );
}

function UserRoles({ u, roles, onSaved }: { u: FullUser; roles: Role[]; onSaved: () => void }) {
  const f = useForm({ roles: u.roles ?? [] });
  return (
    <Panel title={L('角色', 'Roles')}>
      <form
        onSubmit={f.submit(async (x) => {
          await post(`/v1/users/${u.id}:setRoles`, { roles: x.roles, etag: u.etag });
          toast(L('角色已更新', 'Roles updated'));
          onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('授予的角色', 'Roles granted')} error={f.errors.roles}>
          <Checks
            name="roles"
            value={f.values.roles}
            onChange={(x) => f.set('roles', x)}
            options={roles.map((r) => [
              r.name,
              <>
                {r.displayName || r.name} <small class="hint">{dataScope(r.dataScope)}</small>
              </>,
            ])}
          />
        </Field>
        <FormButtons busy={f.busy} action="set-roles" label={L('保存角色', 'Save roles')} />
      </form>
    </Panel>
  );
}

function ResetPassword({ u, onSaved }: { u: FullUser; onSaved: () => void }) {
  const f = useForm({ newPassword: '' });
  return (
    <Panel title={L('重置密码', 'Reset the password')}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          await post(`/v1/users/${u.id}:resetPassword`, { newPassword: x.newPassword });
          f.reset({ newPassword: '' });
          toast(L('密码已重置，该用户需重新登录', 'Password reset; the user must sign in again'));
          onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('新密码', 'New password')} error={f.errors.newPassword} hint={L('同时解除锁定并注销其会话', 'Also clears a lockout and ends their sessions')}>
          <input {...f.bind('newPassword')} type="password" autocomplete="new-password" required />
        </Field>
        <FormButtons busy={f.busy} action="reset-password" label={L('重置密码', 'Reset password')} />
      </form>
    </Panel>
  );
}

// ---- departments ----

function Departments() {
  const [version, setVersion] = useState(0);
  const dir = useDirectory(version);
  const users = useUsers();
  const [editing, setEditing] = useState<Department | 'new' | null>(null);
  const deletion = useAction();
  const writable = can('auth.departments.write');
  const departments = dir.data?.departments ?? [];
  const changed = () => {
    forgetDirectory();
    setVersion(version + 1);
    setEditing(null);
  };
  const remove = (d: Department) =>
    confirm(L(`删除部门“${d.name}”？`, `Delete the department "${d.name}"?`)) &&
    deletion.run(async () => {
      await api('DELETE', `/v1/departments/${d.id}`, { query: { etag: d.etag } });
      toast(L('部门已删除', 'Department deleted'));
      changed();
    });
  return (
    <>
      {editing && (
        <DepartmentForm
          key={editing === 'new' ? 'new' : editing.id}
          d={editing === 'new' ? undefined : editing}
          departments={departments}
          users={users}
          onSaved={changed}
          onCancel={() => setEditing(null)}
        />
      )}
      <Panel
        title={L('部门', 'Departments')}
        actions={
          writable && (
            <button type="button" class="primary" data-action="create" onClick={() => setEditing('new')}>
              {L('新建部门', 'New department')}
            </button>
          )
        }
      >
        <ErrorBox error={dir.error || deletion.error} />
        <Loading loading={dir.loading && !dir.data} />
        <Table
          rows={dir.data ? treeOf(departments) : undefined}
          rowKey={(x) => x.d.id}
          empty={L('还没有部门', 'No departments yet')}
          columns={[
            {
              label: L('名称', 'Name'),
              render: ({ d, depth }) => (
                <span class="tree-name" style={{ paddingLeft: `${depth * 1.25}em` }}>
                  {depth > 0 ? '└ ' : ''}
                  {d.name}
                </span>
              ),
            },
            { label: L('负责人', 'Manager'), render: ({ d }) => nameOf(users, d.managerId) },
            ...(writable
              ? [
                  {
                    label: '',
                    render: ({ d }: { d: Department }) => (
                      <span class="row-actions">
                        <button type="button" class="link" data-action="edit" onClick={() => setEditing(d)}>
                          {L('编辑', 'Edit')}
                        </button>
                        <button type="button" class="link danger" data-action="delete" onClick={() => remove(d)}>
                          {L('删除', 'Delete')}
                        </button>
                      </span>
                    ),
                  },
                ]
              : []),
          ]}
        />
      </Panel>
    </>
  );
}

// The ids of a department and everything under it (where it cannot move to).
function subtree(departments: Department[], id: string): Set<string> {
  const out = new Set([id]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const d of departments) {
      if (d.parentId && out.has(d.parentId) && !out.has(d.id)) {
        out.add(d.id);
        grew = true;
      }
    }
  }
  return out;
}

function DepartmentForm(props: {
  d?: Department;
  departments: Department[];
  users: Map<string, User>;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const d = props.d;
  const [key] = useState(requestId);
  const f = useForm({ name: d?.name ?? '', parentId: d?.parentId ?? '', managerId: d?.managerId ?? '' });
  const v = f.values;
  return (
    <Panel title={d ? L(`编辑部门：${d.name}`, `Edit ${d.name}`) : L('新建部门', 'New department')}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          if (d) {
            await patch(`/v1/departments/${d.id}`, { department: { id: d.id, etag: d.etag, ...x } }, ['name', 'parentId', 'managerId']);
          } else {
            await post('/v1/departments', { requestId: key, department: x });
          }
          toast(L('部门已保存', 'Department saved'));
          props.onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('名称', 'Name')} error={f.errors.name}>
          <input {...f.bind('name')} required />
        </Field>
        <Field label={L('上级部门', 'Parent')} error={f.errors.parentId}>
          <Select
            name="parentId"
            value={v.parentId}
            onChange={(x) => f.set('parentId', x)}
            empty={L('（顶级部门）', '(top level)')}
            options={departmentOptions(props.departments, d ? subtree(props.departments, d.id) : undefined)}
          />
        </Field>
        <Field label={L('负责人', 'Manager')} error={f.errors.managerId}>
          <Select name="managerId" value={v.managerId} onChange={(x) => f.set('managerId', x)} empty={L('（无）', '(none)')} options={humanOptions(props.users)} />
        </Field>
        <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')} onCancel={props.onCancel} />
      </form>
    </Panel>
  );
}

// ---- roles and permissions ----

const PERMISSION_GROUPS: Record<string, [string, string]> = {
  auth: ['组织与权限', 'Organisation and access'],
  dictionaries: ['字典', 'Dictionaries'],
  customers: ['客户', 'Customers'],
  pipeline: ['商机', 'Opportunities'],
  contracts: ['合同', 'Contracts'],
  payments: ['回款', 'Receivables'],
  service: ['客户服务', 'Service'],
  analytics: ['统计报表', 'Reports'],
};

const PERMISSION_ZH: Record<string, string> = {
  'auth.departments.read': '查看组织架构',
  'auth.departments.write': '新建、修改、删除部门',
  'auth.users.read': '查看范围内的用户',
  'auth.users.write': '管理用户、用户角色和密码',
  'auth.roles.read': '查看角色和权限目录',
  'auth.roles.write': '新建、修改、删除角色',
  'auth.events.watch': '订阅认证服务事件（仅服务账号）',
  'customers.events.watch': '订阅客户服务事件（仅服务账号）',
  'pipeline.events.watch': '订阅商机服务事件（仅服务账号）',
  'contracts.events.watch': '订阅合同服务事件（仅服务账号）',
  'payments.events.watch': '订阅回款服务事件（仅服务账号）',
  'service.events.watch': '订阅客户服务事件（仅服务账号）',
  'dictionaries.write': '维护字典（等级、地区、行业、服务类型）',
  'customers.read': '查看客户、联系人和交往记录',
  'customers.write': '新建和修改客户、联系人和交往记录',
  'customers.delete': '删除客户',
  'customers.handover': '在客户经理之间移交客户',
  'customers.merge': '合并重复客户',
  'customers.import': '批量导入客户和联系人',
  'customers.export': '导出客户和联系人',
  'customers.loss.manage': '暂缓或确认客户流失',
  'pipeline.opportunities.read': '查看销售机会',
  'pipeline.opportunities.create': '新建销售机会',
  'pipeline.opportunities.write': '修改销售机会和开发计划',
  'pipeline.opportunities.assign': '指派销售机会',
  'contracts.read': '查看合同和订单',
  'contracts.write': '新建和修改合同和订单',
  'contracts.review': '审批合同',
  'payments.read': '查看应收、回款计划和回款记录',
  'payments.write': '制定回款计划、登记回款及冲销',
  'payments.deliveries.write': '登记发货和验收',
  'payments.collect': '填写逾期催款记录',
  'service.tickets.read': '查看服务单',
  'service.tickets.create': '新建服务单',
  'service.tickets.assign': '分配服务单',
  'service.tickets.handle': '处理分配给自己的服务单',
  'service.tickets.feedback': '记录服务反馈',
  'analytics.reports.read': '查看统计报表',
  'analytics.targets.write': '设定和删除销售目标',
};

interface Permission {
  name: string;
  description?: string;
}

const permissionText = (p: Permission) => L(PERMISSION_ZH[p.name] ?? p.description ?? p.name, p.description ?? p.name);

function Roles() {
  const dir = useDirectory();
  const roles = dir.data?.roles ?? [];
  return (
    <Panel
      title={L('角色与权限', 'Roles and permissions')}
      actions={
        can('auth.roles.write') && (
          <button type="button" class="primary" data-action="create" onClick={() => navigate('/admin/roles/new')}>
            {L('新建角色', 'New role')}
          </button>
        )
      }
    >
      <ErrorBox error={dir.error} />
      <Loading loading={dir.loading && !dir.data} />
      <Table<Role>
        rows={dir.data ? roles : undefined}
        rowKey={(r) => r.name}
        onRow={(r) => navigate(`/admin/roles/${r.name}`)}
        columns={[
          {
            label: L('角色', 'Role'),
            render: (r) => (
              <span>
                <b>{r.displayName || r.name}</b> <small class="hint">{r.name}</small> {r.builtin && <Badge>{L('内置', 'Built-in')}</Badge>}
              </span>
            ),
          },
          { label: L('数据范围', 'Data scope'), class: 'nowrap', render: (r) => dataScope(r.dataScope) },
          {
            label: L('权限', 'Permissions'),
            render: (r) => (
              <span class="perm-list" title={(r.permissions ?? []).join('\n')}>
                {(r.permissions ?? []).length} · {(r.permissions ?? []).join(', ')}
              </span>
            ),
          },
        ]}
      />
    </Panel>
  );
}

function RoleEdit({ name }: { name?: string }) {
  const dir = useDirectory();
  const catalogue = useLoad(() => get('/v1/permissions'), []);
  const role = name ? dir.data?.roles.find((r) => r.name === name) : undefined;
  if (dir.error || catalogue.error) return <ErrorBox error={dir.error || catalogue.error} />;
  if (!dir.data || !catalogue.data) return <Loading loading />;
  if (name && !role) return <ErrorBox error={new ApiError(`role ${name}`, Code.NOT_FOUND, 404)} />;
  return <RoleForm key={role?.etag ?? 'new'} role={role} permissions={catalogue.data.permissions ?? []} />;
}

function RoleForm({ role, permissions }: { role?: Role; permissions: Permission[] }) {
  const [key] = useState(requestId);
  const deletion = useAction();
  const writable = can('auth.roles.write');
  const f = useForm({
    name: role?.name ?? '',
    displayName: role?.displayName ?? '',
    description: role?.description ?? '',
    dataScope: role?.dataScope ?? 'DATA_SCOPE_OWN',
    permissions: role?.permissions ?? [],
  });
  const v = f.values;
  const groups = new Map<string, Permission[]>();
  for (const p of permissions) {
    const g = p.name.split('.')[0];
    groups.set(g, [...(groups.get(g) ?? []), p]);
  }
  const done = () => {
    forgetDirectory();
    navigate('/admin/roles');
  };
  const remove = () =>
    role &&
    confirm(L(`删除角色“${role.displayName || role.name}”？`, `Delete the role "${role.displayName || role.name}"?`)) &&
    deletion.run(async () => {
      await api('DELETE', `/v1/roles/${role.name}`, { query: { etag: role.etag } });
      toast(L('角色已删除', 'Role deleted'));
      done();
    });
  return (
    <>
      <p>
        <Link to="/admin/roles">← {L('返回角色列表', 'Back to roles')}</Link>
      </p>
      <Panel
        title={role ? L(`角色：${role.displayName || role.name}`, `Role: ${role.displayName || role.name}`) : L('新建角色', 'New role')}
        actions={
          role && writable && !role.builtin && (
            <button type="button" class="danger" data-action="delete" onClick={remove}>
              {L('删除角色', 'Delete role')}
            </button>
          )
        }
      >
        <ErrorBox error={deletion.error} />
        <form
          class="form"
          onSubmit={f.submit(async (x) => {
            if (role) {
              const { name: _, ...fields } = x;
              await patch(`/v1/roles/${role.name}`, { role: { name: role.name, etag: role.etag, ...fields } }, Object.keys(fields));
            } else {
              await post('/v1/roles', { requestId: key, role: x });
            }
            toast(L('角色已保存；持有者下次换取令牌时生效', 'Role saved; holders get it with their next token'));
            done();
          })}
        >
          <ErrorBox error={f.error} />
          <Field label={L('标识', 'Identifier')} error={f.errors.name} hint={role ? undefined : L('小写字母、数字或下划线，如 sales_assistant', 'Lower-case letters, digits or _, e.g. sales_assistant')}>
            <input {...f.bind('name')} disabled={!!role} required />
          </Field>
          <Field label={L('名称', 'Name')} error={f.errors.displayName}>
            <input {...f.bind('displayName')} required />
          </Field>
          <Field label={L('数据范围', 'Data scope')} error={f.errors.dataScope}>
            <Select name="dataScope" value={v.dataScope} onChange={(x) => f.set('dataScope', x)} options={optionsOf('DATA_SCOPE_', DATA_SCOPE, dataScope)} />
          </Field>
          <Field label={L('说明', 'Description')} error={f.errors.description} wide>
            <textarea {...f.bind('description')} />
          </Field>
          <div class="wide">
            <span class="label">{L('权限', 'Permissions')}</span>
            {f.errors.permissions && (
              <span class="field-error" role="alert">
                {f.errors.permissions}
              </span>
            )}
            {[...groups].map(([g, list]) => (
              <fieldset class="perm-group">
                <legend>{PERMISSION_GROUPS[g] ? L(...PERMISSION_GROUPS[g]) : g}</legend>
                <Checks
                  name="permissions"
                  value={v.permissions}
                  onChange={(x) => f.set('permissions', x)}
                  options={list.map((p) => [
                    p.name,
                    <>
                      {permissionText(p)} <small class="hint">{p.name}</small>
                    </>,
                  ])}
                />
              </fieldset>
            ))}
          </div>
          {writable && <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')} />}
        </form>
      </Panel>
    </>
  );
}

// ---- dictionaries ----

interface Entry {
  kind: string;
  code: string;
  name: string;
  sortOrder?: number;
  active?: boolean;
}

const DICTIONARY_KINDS = Object.keys(DICTIONARY_KIND).map((k) => `DICTIONARY_KIND_${k}`);

function Dictionaries({ route }: { route: Route }) {
  const kind = DICTIONARY_KINDS.find((k) => k === route.query.get('kind')) ?? DICTIONARY_KINDS[0];
  const list = useLoad(() => get('/v1/dictionaryEntries', { kind }), [kind]);
  const [editing, setEditing] = useState<Entry | 'new' | null>(null);
  useEffect(() => setEditing(null), [kind]);
  const entries: Entry[] = list.data?.entries ?? [];
  return (
    <>
      <Tabs
        tabs={DICTIONARY_KINDS.map((k) => [k, dictionaryKind(k)])}
        active={kind}
        onChange={(k) => navigate(`/admin/dictionaries?kind=${k}`)}
      />
      {editing && (
        <CodedEntryForm
          key={editing === 'new' ? 'new' : editing.code}
          title={
            editing === 'new'
              ? L(`新增${dictionaryKind(kind)}`, `New entry of ${dictionaryKind(kind)}`)
              : L(`编辑：${editing.name}`, `Edit ${editing.name}`)
          }
          order="sortOrder"
          entry={editing === 'new' ? undefined : editing}
          next={Math.max(0, ...entries.map((e) => e.sortOrder ?? 0)) + 10}
          codeHint={editing === 'new' ? L('如 key_prospect', 'e.g. key_prospect') : L('编码保存在客户上，不可修改', 'Stored on customers; cannot change')}
          activeHint={L('停用后不能用于新客户', 'Inactive: not offered for new customers')}
          save={(x) => post('/v1/dictionaryEntries', { entry: { kind, code: x.code, name: x.name, sortOrder: x.order, active: x.active } })}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <Panel
        title={dictionaryKind(kind)}
        actions={
          <button type="button" class="primary" data-action="create" onClick={() => setEditing('new')}>
            {L('新增条目', 'New entry')}
          </button>
        }
      >
        <ErrorBox error={list.error} />
        <Loading loading={list.loading && !list.data} />
        <Table<Entry>
          rows={list.data ? [...entries].sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0)) : undefined}
          rowKey={(e) => e.code}
          onRow={(e) => setEditing(e)}
          empty={L('还没有条目', 'No entries yet')}
          columns={[
            { label: L('编码', 'Code'), render: (e) => <code>{e.code}</code> },
            { label: L('名称', 'Name'), render: (e) => e.name },
            { label: L('排序', 'Order'), class: 'num', render: (e) => e.sortOrder ?? 0 },
            { label: L('状态', 'State'), render: (e) => <ActiveBadge active={e.active} /> },
          ]}
        />
      </Panel>
    </>
  );
}

// An entry of a list the administrators keep (a dictionary's, the ticket types): its code (fixed
// once saved), name, place in the order (the field `order`) and whether it is offered.
function CodedEntryForm(props: {
  title: string;
  order: 'sortOrder' | 'position';
  entry?: { code: string; name: string; active?: boolean; sortOrder?: number; position?: number };
  next: number;
  codeHint?: string;
  activeHint?: string;
  save: (x: { code: string; name: string; order: number; active: boolean }) => Promise<unknown>;
  onSaved: () => void;
  onCancel: () => void;
}) {
  const { entry: e, order } = props;
  const f = useForm<Record<string, any>>({
    code: e?.code ?? '',
    name: e?.name ?? '',
    [order]: String(e?.[order] ?? props.next),
    active: e?.active ?? true,
  });
  return (
    <Panel title={props.title}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          await props.save({ code: x.code.trim(), name: x.name, order: Number(x[order]) || 0, active: x.active });
          toast(L('已保存', 'Saved'));
          props.onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('编码', 'Code')} error={f.errors.code} hint={props.codeHint}>
          <input {...f.bind('code')} disabled={!!e} required />
        </Field>
        <Field label={L('名称', 'Name')} error={f.errors.name}>
          <input {...f.bind('name')} required />
        </Field>
        <Field label={L('排序', 'Order')} error={f.errors[order]}>
          <input {...f.bind(order)} type="number" />
        </Field>
        <Field label={L('状态', 'State')} error={f.errors.active} hint={props.activeHint}>
          <Check name="active" checked={f.values.active} onChange={(v) => f.set('active', v)}>
            <span>{L('启用', 'Active')}</span>
          </Check>
        </Field>
        <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')} onCancel={props.onCancel} />
      </form>
    </Panel>
  );
}

const ActiveBadge = ({ active }: { active?: boolean }) =>
  active ? <Badge tone="ok">{L('启用', 'Active')}</Badge> : <Badge tone="warn">{L('停用', 'Inactive')}</Badge>;

// ---- ticket types and SLA policies ----

interface TicketType {
  code: string;
  name: string;
  active?: boolean;
  position?: number;
}

interface Policy {
  priority: string;
  customerLevel?: string;
  firstResponseMinutes?: number;
  resolutionMinutes?: number;
}

const minutes = (m?: number) => {
  const n = m ?? 0;
  if (n % 1440 === 0) return L(`${n / 1440} 天`, `${n / 1440} d`);
  if (n % 60 === 0) return L(`${n / 60} 小时`, `${n / 60} h`);
  return L(`${n} 分钟`, `${n} min`);
};

function ServiceSettings() {
  const types = useLoad(() => get('/v1/ticketTypes', { includeInactive: true }), []);
  const policies = useLoad(() => get('/v1/slaPolicies'), []);
  const levels = useLoad(() => get('/v1/dictionaryEntries', { kind: 'DICTIONARY_KIND_LEVEL' }), []);
  const [type, setType] = useState<TicketType | 'new' | null>(null);
  const [policy, setPolicy] = useState<Policy | 'new' | null>(null);
  const levelName = (code?: string) =>
    code ? (levels.data?.entries ?? []).find((e: Entry) => e.code === code)?.name ?? code : L('所有等级', 'Every level');
  const typeRows: TicketType[] = types.data?.types ?? [];
  return (
    <>
      {type && (
        <CodedEntryForm
          key={type === 'new' ? 'new' : type.code}
          title={type === 'new' ? L('新增服务类型', 'New ticket type') : L(`编辑服务类型：${type.name}`, `Edit ${type.name}`)}
          order="position"
          entry={type === 'new' ? undefined : type}
          next={Math.max(0, ...typeRows.map((t) => t.position ?? 0)) + 10}
          save={(x) => post('/v1/ticketTypes', { type: { code: x.code, name: x.name, position: x.order, active: x.active } })}
          onSaved={() => {
            setType(null);
            types.reload();
          }}
          onCancel={() => setType(null)}
        />
      )}
      <Panel
        title={L('服务类型', 'Ticket types')}
        actions={
          <button type="button" class="primary" data-action="create" onClick={() => setType('new')}>
            {L('新增类型', 'New type')}
          </button>
        }
      >
        <ErrorBox error={types.error} />
        <Table<TicketType>
          rows={types.data ? typeRows : undefined}
          rowKey={(t) => t.code}
          onRow={setType}
          columns={[
            { label: L('编码', 'Code'), render: (t) => <code>{t.code}</code> },
            { label: L('名称', 'Name'), render: (t) => t.name },
            { label: L('排序', 'Order'), class: 'num', render: (t) => t.position ?? 0 },
            { label: L('状态', 'State'), render: (t) => <ActiveBadge active={t.active} /> },
          ]}
        />
      </Panel>
      {policy && (
        <PolicyForm
          key={policy === 'new' ? 'new' : `${policy.priority}:${policy.customerLevel}`}
          p={policy === 'new' ? undefined : policy}
          levels={(levels.data?.entries ?? []).map((e: Entry) => [e.code, e.name])}
          onSaved={() => {
            setPolicy(null);
            policies.reload();
          }}
          onCancel={() => setPolicy(null)}
        />
      )}
      <Panel
        title={L('服务时限（SLA）', 'Service levels (SLA)')}
        actions={
          <button type="button" class="primary" data-action="create-policy" onClick={() => setPolicy('new')}>
            {L('新增时限', 'New policy')}
          </button>
        }
      >
        <p class="hint">{L('对此后新建的服务单生效；指定客户等级的时限优先于“所有等级”。', 'Applies to tickets created afterwards; a policy for a level wins over the one for every level.')}</p>
        <ErrorBox error={policies.error} />
        <Table<Policy>
          rows={policies.data ? policies.data.policies ?? [] : undefined}
          onRow={setPolicy}
          columns={[
            { label: L('优先级', 'Priority'), render: (p) => ticketPriority(p.priority) },
            { label: L('客户等级', 'Customer level'), render: (p) => levelName(p.customerLevel) },
            { label: L('首次响应', 'First response'), class: 'num', render: (p) => minutes(p.firstResponseMinutes) },
            { label: L('解决时限', 'Resolution'), class: 'num', render: (p) => minutes(p.resolutionMinutes) },
          ]}
        />
      </Panel>
    </>
  );
}

function PolicyForm(props: { p?: Policy; levels: [string, string][]; onSaved: () => void; onCancel: () => void }) {
  const p = props.p;
  const f = useForm({
    priority: p?.priority ?? 'TICKET_PRIORITY_NORMAL',
    customerLevel: p?.customerLevel ?? '',
    firstResponseMinutes: String(p?.firstResponseMinutes ?? 240),
    resolutionMinutes: String(p?.resolutionMinutes ?? 2880),
  });
  const v = f.values;
  return (
    <Panel title={p ? L('编辑服务时限', 'Edit the policy') : L('新增服务时限', 'New policy')}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          await post('/v1/slaPolicies', {
            policy: {
              priority: x.priority,
              customerLevel: x.customerLevel,
              firstResponseMinutes: Number(x.firstResponseMinutes) || 0,
              resolutionMinutes: Number(x.resolutionMinutes) || 0,
            },
          });
          toast(L('已保存', 'Saved'));
          props.onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('优先级', 'Priority')} error={f.errors.priority}>
          <Select name="priority" disabled={!!p} value={v.priority} onChange={(x) => f.set('priority', x)} options={optionsOf('TICKET_PRIORITY_', TICKET_PRIORITY, ticketPriority)} />
        </Field>
        <Field label={L('客户等级', 'Customer level')} error={f.errors.customerLevel}>
          <Select name="customerLevel" disabled={!!p} value={v.customerLevel} onChange={(x) => f.set('customerLevel', x)} empty={L('所有等级', 'Every level')} options={props.levels} />
        </Field>
        <Field label={L('首次响应（分钟）', 'First response (minutes)')} error={f.errors.firstResponseMinutes}>
          <input {...f.bind('firstResponseMinutes')} type="number" min="1" />
        </Field>
        <Field label={L('解决时限（分钟）', 'Resolution (minutes)')} error={f.errors.resolutionMinutes}>
          <input {...f.bind('resolutionMinutes')} type="number" min="1" />
        </Field>
        <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')} onCancel={props.onCancel} />
      </form>
    </Panel>
  );
}

// ---- the screen ----

interface TabDef {
  id: string;
  zh: string;
  en: string;
  allowed: () => boolean;
}

const TABS: TabDef[] = [
  { id: 'users', zh: '用户', en: 'Users', allowed: () => can('auth.users.write') || can('auth.users.read') },
  { id: 'departments', zh: '部门', en: 'Departments', allowed: () => can('auth.departments.write') || can('auth.departments.read') },
  { id: 'roles', zh: '角色与权限', en: 'Roles', allowed: () => can('auth.roles.write') || can('auth.roles.read') },
  { id: 'dictionaries', zh: '字典', en: 'Dictionaries', allowed: () => can('dictionaries.write') },
  { id: 'service', zh: '服务设置', en: 'Service settings', allowed: () => can('dictionaries.write') && can('service.tickets.read') },
];

export default function Admin({ route }: { route: Route }) {
  const tabs = TABS.filter((t) => t.allowed());
  const tab = tabs.find((t) => t.id === route.parts[1]);
  const sub = route.parts[2];
  useEffect(() => {
    if (!tab && tabs.length) navigate(`/admin/${tabs[0].id}`);
  }, [tab]);
  let body: ComponentChildren = null;
  switch (tab?.id) {
    case 'users':
      body = sub === 'new' && can('auth.users.write') ? <NewUser /> : sub ? <UserDetail id={sub} key={sub} /> : <UserList />;
      break;
    case 'departments':
      body = <Departments />;
      break;
    case 'roles':
      body = sub === 'new' ? <RoleEdit /> : sub ? <RoleEdit name={sub} key={sub} /> : <Roles />;
      break;
    case 'dictionaries':
      body = <Dictionaries route={route} />;
      break;
    case 'service':
      body = <ServiceSettings />;
      break;
  }
  return (
    <Page title={L('系统管理', 'Administration')}>
      <Tabs tabs={tabs.map((t) => [t.id, L(t.zh, t.en)])} active={tab?.id ?? ''} onChange={(id) => navigate(`/admin/${id}`)} />
      {body}
      {tab && <span data-ready={`admin-${tab.id}`} hidden />}
    </Page>
  );
}
