// Customers (客户): the list (search as one types, or filters), the Customer 360 with its tabs
// (profile, contacts, interactions, opportunities, contracts, receivables, tickets, orders, the
// relationship map and churn), the create/edit form, and the hand-over, duplicates and
// loss-warning pages.
import { Fragment } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, Code, del, get, getAll, patch, post, requestId } from '../api';
import { date, dateTime, localNow, money, moneyText, moneyValue, parseMoney, toDate, today } from '../format';
import { L } from '../i18n';
import {
  ATTITUDE,
  attitude,
  BUYING_ROLE,
  buyingRole,
  contractStatus,
  CUSTOMER_LINK_KIND,
  CUSTOMER_STATUS,
  customerLinkKind,
  customerStatus,
  GENDER,
  gender,
  INTERACTION_METHOD,
  interactionMethod,
  lossActionKind,
  opportunityStatus,
  optionsOf,
  receivableStatus,
  salesOrderStatus,
  SOCIAL_STYLE,
  socialStyle,
  ticketPriority,
  ticketStatus,
} from '../labels';
import { nameOf, userOptions, useUsers } from '../people';
import type { User } from '../people';
import { CustomerPicker } from '../pickers';
import type { CustomerRef } from '../pickers';
import { can } from '../session';
import {
  Badge,
  badgeOf,
  Check,
  ConfirmButton,
  Denied,
  EditPage,
  ErrorBox,
  Field,
  FormButtons,
  invalid,
  Link,
  Loading,
  MoreButton,
  navigate,
  Options,
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
  usePaged,
  usePagedList,
} from '../ui';
import type { Column, Route } from '../ui';
import { Section } from './workbench';

export default function Customers({ route }: { route: Route }) {
  const sub = route.parts[1];
  if (!sub) return <CustomerList />;
  if (sub === 'new') return <CreateCustomer />;
  if (sub === 'handover') return <HandoverPage />;
  if (sub === 'duplicates') return <DuplicatesPage />;
  if (sub === 'loss') return <LossWarningsPage />;
  if (route.query.get('edit') === '1') return <EditCustomer id={sub} key={sub} />;
  return <Customer360 id={sub} tab={route.query.get('tab') || 'profile'} key={sub} />;
}

// ---- shared pieces ----

const StatusBadge = badgeOf(customerStatus, { CUSTOMER_STATUS_ACTIVE: 'ok', CUSTOMER_STATUS_LOST: 'bad' }, 'warn');

// ---- dictionaries (levels, regions, industries, sources), read once per session ----

interface DictEntry {
  kind: string;
  code: string;
  name: string;
  sortOrder?: number;
  active?: boolean;
}
type DictKind = 'level' | 'region' | 'industry' | 'source';
type Dicts = Record<DictKind, DictEntry[]>;

const noDicts: Dicts = { level: [], region: [], industry: [], source: [] };
let dictCache: Promise<Dicts> | null = null;

function loadDicts(): Promise<Dicts> {
  dictCache ??= get('/v1/dictionaryEntries')
    .then((r) => {
      const out: Dicts = { level: [], region: [], industry: [], source: [] };
      for (const e of (r.entries ?? []) as DictEntry[]) {
        const kind = (e.kind ?? '').replace('DICTIONARY_KIND_', '').toLowerCase() as DictKind;
        if (out[kind]) out[kind].push(e);
      }
      for (const list of Object.values(out)) list.sort((a, b) => (a.sortOrder ?? 0) - (b.sortOrder ?? 0));
      return out;
    })
    .catch((e) => {
      dictCache = null;
      throw e;
    });
  return dictCache;
}

function useDicts(): Dicts {
  const [dicts, setDicts] = useState<Dicts>(noDicts);
  useEffect(() => {
    loadDicts().then(setDicts, () => {});
  }, []);
  return dicts;
}

const dictName = (d: Dicts, kind: DictKind, code?: string) =>
  code ? d[kind].find((e) => e.code === code)?.name ?? code : '';

// Active entries, and the current value even when it is no longer active.
const dictOptions = (d: Dicts, kind: DictKind, current = ''): [string, string][] =>
  d[kind].filter((e) => e.active || e.code === current).map((e) => [e.code, e.name]);

// ---- the list ----

const noFilters = { query: '', region: '', industry: '', level: '', status: '', ownerId: '', tag: '' };
// The list's filters survive a visit to a customer and back.
let lastFilters = noFilters;

function CustomerList() {
  const [f, setF] = useState(lastFilters);
  const set = (k: keyof typeof noFilters, v: string) => {
    lastFilters = { ...f, [k]: v };
    setF(lastFilters);
  };
  const dicts = useDicts();
  const users = useUsers();
  const text = useDebounced(f.query.trim(), 250);
  const tag = useDebounced(f.tag.trim(), 400);
  const filtered = !!(f.region || f.industry || f.level || f.status || f.ownerId || tag);
  const searching = !!text && !filtered;
  const list = usePaged(
    async (token) => {
      if (searching) {
        const r = await get('/v1/customers:search', { query: text, pageSize: 50 });
        return { rows: r.customers ?? [] };
      }
      const r = await get('/v1/customers', {
        pageSize: 50,
        pageToken: token,
        region: f.region,
        industry: f.industry,
        level: f.level,
        status: f.status,
        ownerId: f.ownerId,
        tag,
        nameContains: text,
      });
      return { rows: r.customers ?? [], next: r.nextPageToken };
    },
    [text, tag, f.region, f.industry, f.level, f.status, f.ownerId],
  );
  const owners = userOptions(users, ['account_manager', 'sales_manager']);
  return (
    <Page
      title={L('客户', 'Customers')}
      actions={
        <>
          {can('customers.write') && (
            <Link to="/customers/new" class="button primary">
              {L('新建客户', 'New customer')}
            </Link>
          )}
          {can('customers.handover') && <Link to="/customers/handover">{L('客户移交', 'Hand over')}</Link>}
          {can('customers.merge') && <Link to="/customers/duplicates">{L('重复客户', 'Duplicates')}</Link>}
          <Link to="/customers/loss">{L('流失预警', 'Loss warnings')}</Link>
        </>
      }
    >
      <div class="filters">
        <input
          name="query"
          type="search"
          class="search"
          value={f.query}
          placeholder={L('搜索客户名称、编号或电话', 'Search by name, number or phone')}
          autocomplete="off"
          onInput={(e) => set('query', e.currentTarget.value)}
        />
        <Select
          name="region"
          value={f.region}
          onChange={(v) => set('region', v)}
          options={dictOptions(dicts, 'region', f.region)}
          empty={L('全部地区', 'All regions')}
        />
        <Select
          name="industry"
          value={f.industry}
          onChange={(v) => set('industry', v)}
          options={dictOptions(dicts, 'industry', f.industry)}
          empty={L('全部行业', 'All industries')}
        />
        <Select
          name="level"
          value={f.level}
          onChange={(v) => set('level', v)}
          options={dictOptions(dicts, 'level', f.level)}
          empty={L('全部等级', 'All levels')}
        />
        <Select
          name="status"
          value={f.status}
          onChange={(v) => set('status', v)}
          options={optionsOf('CUSTOMER_STATUS_', CUSTOMER_STATUS, customerStatus)}
          empty={L('全部状态', 'Any status')}
        />
        {owners.length > 0 && (
          <Select
            name="ownerId"
            value={f.ownerId}
            onChange={(v) => set('ownerId', v)}
            options={owners}
            empty={L('全部负责人', 'Any owner')}
          />
        )}
        <input
          name="tag"
          value={f.tag}
          placeholder={L('标签', 'Tag')}
          autocomplete="off"
          onInput={(e) => set('tag', e.currentTarget.value)}
        />
        {(f.query || filtered) && (
          <button
            type="button"
            class="link clear"
            data-action="clear"
            onClick={() => {
              lastFilters = noFilters;
              setF(noFilters);
            }}
          >
            {L('清除条件', 'Clear')}
          </button>
        )}
      </div>
      {searching && <p class="hint">{L('按相关度排列', 'Best matches first')}</p>}
      <ErrorBox error={list.error} />
      <Table
        rows={list.rows}
        rowKey={(c: any) => c.id}
        onRow={(c: any) => navigate(`/customers/${c.id}`)}
        empty={text || filtered ? L('没有符合条件的客户', 'No customer matches') : L('暂无客户', 'No customers yet')}
        columns={[
          { label: L('名称', 'Name'), render: (c: any) => <Link to={`/customers/${c.id}`}>{c.name}</Link> },
          { label: L('编号', 'Number'), render: (c: any) => c.number },
          { label: L('等级', 'Level'), render: (c: any) => dictName(dicts, 'level', c.level) },
          { label: L('地区', 'Region'), render: (c: any) => dictName(dicts, 'region', c.region) },
          { label: L('行业', 'Industry'), render: (c: any) => dictName(dicts, 'industry', c.industry) },
          { label: L('状态', 'Status'), render: (c: any) => <StatusBadge value={c.status} /> },
          { label: L('负责人', 'Owner'), render: (c: any) => nameOf(users, c.ownerId) },
        ]}
      />
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
      {list.rows && !list.loading && <span data-ready="customers" hidden />}
    </Page>
  );
}

// ---- create / edit ----

const blankCustomer = {
  name: '',
  level: '',
  region: '',
  industry: '',
  source: '',
  phone: '',
  fax: '',
  website: '',
  address: '',
  postalCode: '',
  legalRepresentative: '',
  businessLicenceNumber: '',
  taxId: '',
  registeredCapital: '',
  annualRevenue: '',
  bank: '',
  bankAccount: '',
  satisfaction: '0',
  credit: '0',
  tags: '',
};
type CustomerValues = typeof blankCustomer;

function valuesOf(c: any): CustomerValues {
  const v = { ...blankCustomer };
  for (const k of Object.keys(v) as (keyof CustomerValues)[]) {
    if (typeof c[k] === 'string') v[k] = c[k];
  }
  v.satisfaction = String(c.satisfaction ?? 0);
  v.credit = String(c.credit ?? 0);
  v.registeredCapital = moneyText(c.registeredCapital);
  v.annualRevenue = moneyText(c.annualRevenue);
  v.tags = (c.tags ?? []).join(', ');
  return v;
}

// The form's values as the API's Customer (empty money left out).
function customerOf(v: CustomerValues): Record<string, unknown> {
  const out: Record<string, unknown> = { ...v };
  out.satisfaction = Number(v.satisfaction) || 0;
  out.credit = Number(v.credit) || 0;
  out.tags = v.tags
    .split(/[,，;；]/)
    .map((t) => t.trim())
    .filter(Boolean);
  for (const k of ['registeredCapital', 'annualRevenue'] as const) {
    if (!v[k].trim()) {
      delete out[k];
      continue;
    }
    const m = parseMoney(v[k]);
    if (!m) throw invalid({ [`customer.${k}`]: L('请输入金额（元），最多两位小数', 'Enter an amount in yuan, at most two decimals') });
    out[k] = m;
  }
  return out;
}

// Shown to everyone who opens it: without customers.write the server's refusal says so.
function CreateCustomer() {
  return (
    <Page title={L('新建客户', 'New customer')}>
      <CustomerForm />
    </Page>
  );
}

function EditCustomer({ id }: { id: string }) {
  return (
    <EditPage
      path={`/v1/customers/${id}`}
      name={(c) => c.name}
      pending={L('编辑客户', 'Edit customer')}
      form={(c) => <CustomerForm customer={c} key={c.etag} />}
    />
  );
}

function CustomerForm({ customer }: { customer?: any }) {
  const initial = customer ? valuesOf(customer) : blankCustomer;
  const f = useForm<CustomerValues>(initial);
  const dicts = useDicts();
  const rid = useRef(requestId());
  const [duplicate, setDuplicate] = useState('');
  const back = customer ? `/customers/${customer.id}?tab=profile` : '/customers';

  const save = (force: boolean) =>
    f.submit(async (v) => {
      setDuplicate('');
      const body = customerOf(v);
      if (!customer) {
        try {
          const created = await post('/v1/customers', { requestId: rid.current, customer: body, force });
          toast(L('客户已创建', 'Customer created'));
          navigate(`/customers/${created.id}`);
        } catch (e) {
          if (e instanceof ApiError && e.code === Code.ALREADY_EXISTS) return setDuplicate(e.message);
          throw e;
        }
        return;
      }
      const before = customerOf(initial);
      const mask = Object.keys(body).filter((k) => JSON.stringify(body[k]) !== JSON.stringify(before[k]));
      for (const k of Object.keys(before)) if (!(k in body) && !mask.includes(k)) mask.push(k);
      if (!mask.length) {
        toast(L('没有修改', 'Nothing changed'));
        return navigate(back);
      }
      const changed: Record<string, unknown> = { id: customer.id, etag: customer.etag };
      for (const k of mask) if (k in body) changed[k] = body[k];
      await patch(`/v1/customers/${customer.id}`, { customer: changed }, mask);
      toast(L('已保存', 'Saved'));
      navigate(back);
    });

  const text = (name: keyof CustomerValues, label: string, extra: Record<string, unknown> = {}) => (
    <Field label={label} error={f.errors[name]}>
      <input {...f.bind(name)} {...extra} />
    </Field>
  );
  const dict = (name: DictKind, label: string) => (
    <Field label={label} error={f.errors[name]}>
      <select {...f.bind(name)}>
        <Options options={dictOptions(dicts, name, initial[name])} empty={L('请选择', 'Choose')} />
      </select>
    </Field>
  );
  const rating = (name: 'satisfaction' | 'credit', label: string) => (
    <Field label={label} error={f.errors[name]}>
      <select {...f.bind(name)}>
        <Options options={[['0', L('未评定', 'Not rated')], ...[1, 2, 3, 4, 5].map((n) => [String(n), '★'.repeat(n)] as [string, string])]} />
      </select>
    </Field>
  );

  return (
    <form class="panel form" onSubmit={save(false)} noValidate>
      <ErrorBox error={f.error} />
      {duplicate && (
        <div class="notice error" role="alert">
          <DuplicateText message={duplicate} />
          <div class="buttons top-gap">
            <button type="button" data-action="force-create" disabled={f.busy} onClick={save(true)}>
              {L('仍然创建', 'Create anyway')}
            </button>
          </div>
        </div>
      )}
      <Field label={L('客户名称 *', 'Name *')} error={f.errors.name} wide>
        <input {...f.bind('name')} maxLength={200} autocomplete="off" />
      </Field>
      {dict('level', L('客户等级', 'Level'))}
      {dict('region', L('地区', 'Region'))}
      {dict('industry', L('行业', 'Industry'))}
      {dict('source', L('客户来源', 'Source'))}
      {text('phone', L('电话', 'Phone'), { type: 'tel' })}
      {text('fax', L('传真', 'Fax'), { type: 'tel' })}
      {text('website', L('网址', 'Website'))}
      {text('postalCode', L('邮编', 'Postal code'))}
      <Field label={L('地址', 'Address')} error={f.errors.address} wide>
        <input {...f.bind('address')} />
      </Field>
      {text('legalRepresentative', L('法人代表', 'Legal representative'))}
      {text('businessLicenceNumber', L('营业执照注册号', 'Business licence number'))}
      {text('taxId', L('税号', 'Tax id'))}
      {text('registeredCapital', L('注册资金（元）', 'Registered capital (CNY)'), { inputMode: 'decimal' })}
      {text('annualRevenue', L('年营业额（元）', 'Annual revenue (CNY)'), { inputMode: 'decimal' })}
      {text('bank', L('开户银行', 'Bank'))}
      {text('bankAccount', L('银行账号', 'Bank account'))}
      {rating('satisfaction', L('满意度', 'Satisfaction'))}
      {rating('credit', L('信用度', 'Credit'))}
      <Field label={L('标签', 'Tags')} error={f.errors.tags} hint={L('用逗号分隔', 'Separated by commas')} wide>
        <input {...f.bind('tags')} />
      </Field>
      <FormButtons busy={f.busy} action="save" label={L('保存', 'Save')}>
        <Link to={back} class="button">
          {L('取消', 'Cancel')}
        </Link>
      </FormButtons>
    </form>
  );
}

const SAME: Record<string, [string, string]> = {
  'tax id': ['税号相同', 'the same tax id'],
  name: ['名称相同', 'the same name'],
  phone: ['电话相同', 'the same phone'],
};

// The server's "possible duplicate of customer C00012345 (<id>): same name; …", in words and
// with a link to the existing customer when it is within the caller's scope.
function DuplicateText({ message }: { message: string }) {
  const m = /customer (\S+) \(([0-9a-f-]{36})\): same ([a-z ]+?);/.exec(message);
  const same = /same ([a-z ]+?);/.exec(message)?.[1] ?? '';
  const reason = SAME[same] ? L(...SAME[same]) : same;
  if (!m) {
    return <>{L(`可能与您范围外的已有客户重复（${reason}）。`, `This may duplicate a customer outside your scope (${reason}).`)}</>;
  }
  return (
    <>
      {L('可能与已有客户重复：', 'This may duplicate an existing customer: ')}
      <Link to={`/customers/${m[2]}`}>{m[1]}</Link>（{reason}）
    </>
  );
}

// ---- Customer 360 ----

const TABS: [string, string, string][] = [
  ['profile', '概况', 'Profile'],
  ['contacts', '联系人', 'Contacts'],
  ['interactions', '交往记录', 'Interactions'],
  ['opportunities', '商机', 'Opportunities'],
  ['contracts', '合同', 'Contracts'],
  ['receivables', '回款', 'Receivables'],
  ['tickets', '服务', 'Service'],
  ['orders', '订单', 'Orders'],
  ['relations', '关系图', 'Relationships'],
  ['loss', '流失', 'Churn'],
];

interface TabProps {
  id: string;
  v: any;
  customer: any;
  users: Map<string, User>;
  dicts: Dicts;
  reload: () => void;
}

function Customer360({ id, tab }: { id: string; tab: string }) {
  const view = useLoad(() => get(`/v1/customers/${id}:view360`), [id]);
  const [version, setVersion] = useState(0);
  const users = useUsers();
  const dicts = useDicts();
  const v = view.data;
  const c = v?.profile?.customer;
  const reload = () => {
    view.reload();
    setVersion((n) => n + 1);
  };
  const props: TabProps = { id, v, customer: c, users, dicts, reload };
  return (
    <Page
      title={c?.name ?? L('客户', 'Customer')}
      actions={
        <>
          {c && can('customers.write') && (
            <button type="button" data-action="edit" onClick={() => navigate(`/customers/${id}?tab=profile&edit=1`)}>
              {L('编辑', 'Edit')}
            </button>
          )}
          <Link to="/customers">{L('返回列表', 'All customers')}</Link>
        </>
      }
    >
      {c && (
        <p class="subhead">
          <span class="number">{c.number}</span>
          <StatusBadge value={c.status} />
          {c.level && <Badge>{dictName(dicts, 'level', c.level)}</Badge>}
          <span>
            {L('负责人', 'Owner')}：{nameOf(users, c.ownerId)}
          </span>
        </p>
      )}
      <Tabs tabs={TABS.map(([t, zh, en]) => [t, L(zh, en)])} active={tab} onChange={(t) => navigate(`/customers/${id}?tab=${t}`)} />
      <ErrorBox error={view.error} />
      <Loading loading={view.loading && !v} />
      {v && (
        <div key={`${tab}-${version}`}>
          {tab === 'profile' && <ProfileTab {...props} />}
          {tab === 'contacts' && <ContactsTab {...props} />}
          {tab === 'interactions' && <InteractionsTab {...props} />}
          {tab === 'opportunities' && <OpportunitiesTab {...props} />}
          {tab === 'contracts' && <ContractsTab {...props} />}
          {tab === 'receivables' && <ReceivablesTab {...props} />}
          {tab === 'tickets' && <TicketsTab {...props} />}
          {tab === 'orders' && <OrdersTab {...props} />}
          {tab === 'relations' && <RelationsTab {...props} />}
          {tab === 'loss' && <LossTab {...props} />}
          <span data-ready="customer360" hidden />
        </div>
      )}
    </Page>
  );
}

// A section of the 360 (the view's `id`, its rows under `id` too) with its first rows, and all of
// them from the owning service (at `listPath`, /v1/<id> unless given) on request.
function SectionList(props: {
  id: string;
  title: string;
  v: any;
  listPath?: string;
  customerId: string;
  columns: Column<any>[];
  onRow?: (row: any) => void;
  empty?: string;
}) {
  const [all, setAll] = useState(false);
  const s = props.v[props.id] ?? {};
  return (
    <Section id={props.id} title={props.title} status={s.status} more={s.more && !all}>
      {all ? (
        <FullList
          rowsKey={props.id}
          listPath={props.listPath ?? `/v1/${props.id}`}
          customerId={props.customerId}
          columns={props.columns}
          onRow={props.onRow}
        />
      ) : (
        <Table rows={s[props.id] ?? []} columns={props.columns} onRow={props.onRow} empty={props.empty} />
      )}
      {s.more && !all && (
        <button type="button" class="link" data-action="show-all" onClick={() => setAll(true)}>
          {L('查看全部', 'Show all')}
        </button>
      )}
    </Section>
  );
}

function FullList(props: {
  rowsKey: string;
  listPath: string;
  customerId: string;
  columns: Column<any>[];
  onRow?: (row: any) => void;
}) {
  const list = usePagedList(props.listPath, props.rowsKey, { customerId: props.customerId });
  return (
    <>
      <ErrorBox error={list.error} />
      <Table rows={list.rows} columns={props.columns} onRow={props.onRow} />
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
    </>
  );
}

function ProfileTab({ id, v, customer: c, users, dicts }: TabProps) {
  const remove = useAction();
  const rows: [string, ComponentChildren][] = c
    ? [
        [L('客户名称', 'Name'), c.name],
        [L('客户编号', 'Number'), c.number],
        [L('状态', 'Status'), <StatusBadge value={c.status} />],
        [L('负责人', 'Owner'), nameOf(users, c.ownerId)],
        [L('客户等级', 'Level'), dictName(dicts, 'level', c.level)],
        [L('地区', 'Region'), dictName(dicts, 'region', c.region)],
        [L('行业', 'Industry'), dictName(dicts, 'industry', c.industry)],
        [L('客户来源', 'Source'), dictName(dicts, 'source', c.source)],
        [L('电话', 'Phone'), c.phone],
        [L('传真', 'Fax'), c.fax],
        [L('网址', 'Website'), c.website],
        [L('地址', 'Address'), c.address],
        [L('邮编', 'Postal code'), c.postalCode],
        [L('法人代表', 'Legal representative'), c.legalRepresentative],
        [L('营业执照注册号', 'Business licence'), c.businessLicenceNumber],
        [L('税号', 'Tax id'), c.taxId],
        [L('注册资金', 'Registered capital'), money(c.registeredCapital)],
        [L('年营业额', 'Annual revenue'), money(c.annualRevenue)],
        [L('开户银行', 'Bank'), c.bank],
        [L('银行账号', 'Bank account'), c.bankAccount],
        [L('满意度', 'Satisfaction'), c.satisfaction ? '★'.repeat(c.satisfaction) : ''],
        [L('信用度', 'Credit'), c.credit ? '★'.repeat(c.credit) : ''],
        [L('标签', 'Tags'), (c.tags ?? []).map((t: string) => <Badge key={t}>{t}</Badge>)],
        ...Object.entries(c.attributes ?? {}).map(([k, val]) => [k, val] as [string, ComponentChildren]),
        [L('最近订单日期', 'Last order'), date(c.lastOrderDate)],
        [L('销售系统编码', 'Sales system key'), c.salesSystemKey],
        [L('创建时间', 'Created'), dateTime(c.createTime)],
        [L('更新时间', 'Updated'), dateTime(c.updateTime)],
      ]
    : [];
  const shown = rows.filter(([, val]) => !(val === '' || val === undefined || (Array.isArray(val) && !val.length)));
  return (
    <Section id="profile" title={L('客户资料', 'Profile')} status={v.profile?.status}>
      <dl class="props">
        {shown.map(([label, val]) => (
          <Fragment key={label}>
            <dt>{label}</dt>
            <dd>{val}</dd>
          </Fragment>
        ))}
      </dl>
      <ErrorBox error={remove.error} />
      {c && (can('customers.write') || can('customers.delete')) && (
        <div class="buttons top-gap">
          {can('customers.write') && (
            <button type="button" class="primary" data-action="edit" onClick={() => navigate(`/customers/${id}?tab=profile&edit=1`)}>
              {L('编辑资料', 'Edit profile')}
            </button>
          )}
          {can('customers.delete') && (
            <ConfirmButton
              action="delete"
              label={L('删除客户', 'Delete customer')}
              question={L('删除后客户从列表中消失，历史记录保留。确定删除？', 'The customer disappears from lists; its history stays. Delete?')}
              confirm={L('确定删除', 'Delete')}
              onConfirm={() =>
                remove.run(async () => {
                  await del(`/v1/customers/${id}?etag=${encodeURIComponent(c.etag ?? '')}`);
                  toast(L('客户已删除', 'Customer deleted'));
                  navigate('/customers');
                })
              }
            />
          )}
        </div>
      )}
    </Section>
  );
}

// ---- contacts ----

const CONTACT_ENUMS: Record<string, string> = {
  gender: 'GENDER_',
  buyingRole: 'BUYING_ROLE_',
  attitude: 'ATTITUDE_',
  socialStyle: 'SOCIAL_STYLE_',
};

const blankContact = {
  name: '',
  gender: '',
  position: '',
  officePhone: '',
  mobile: '',
  email: '',
  reportsToId: '',
  buyingRole: '',
  attitude: '',
  socialStyle: '',
  notes: '',
  primary: false,
};
type ContactValues = typeof blankContact;

// Every contact of the customer (the view carries the first few only), for lists and pickers.
function useContacts(id: string, v: any): any[] {
  const all = useLoad(() => getAll('/v1/contacts', 'contacts', 500, { customerId: id }), [id, v]);
  return all.data ?? v.contacts?.contacts ?? [];
}

function ContactsTab({ id, v, reload }: TabProps) {
  const [editing, setEditing] = useState<any>(null);
  const contacts = useContacts(id, v);
  const byId = new Map(contacts.map((c) => [c.id, c]));
  const write = can('customers.write');
  return (
    <>
      {editing && (
        <ContactForm
          customerId={id}
          contact={editing === 'new' ? undefined : editing}
          contacts={contacts}
          onDone={() => {
            setEditing(null);
            reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      {write && !editing && (
        <div class="buttons bottom-gap">
          <button type="button" class="primary" data-action="add-contact" onClick={() => setEditing('new')}>
            {L('添加联系人', 'Add contact')}
          </button>
        </div>
      )}
      <SectionList
        id="contacts"
        title={L('联系人', 'Contacts')}
        v={v}
        customerId={id}
        onRow={write ? (c) => setEditing(c) : undefined}
        empty={L('暂无联系人', 'No contacts yet')}
        columns={[
          {
            label: L('姓名', 'Name'),
            render: (c) => (
              <>
                {c.name} {c.primary && <Badge tone="ok">{L('主联系人', 'Primary')}</Badge>}
              </>
            ),
          },
          { label: L('职务', 'Position'), render: (c) => c.position },
          { label: L('手机', 'Mobile'), render: (c) => c.mobile },
          { label: L('办公电话', 'Office'), render: (c) => c.officePhone },
          { label: L('邮箱', 'E-mail'), render: (c) => c.email },
          { label: L('角色', 'Role'), render: (c) => buyingRole(c.buyingRole) },
          { label: L('态度', 'Attitude'), render: (c) => attitude(c.attitude) },
          { label: L('汇报给', 'Reports to'), render: (c) => byId.get(c.reportsToId)?.name ?? '' },
        ]}
      />
    </>
  );
}

function ContactForm(props: {
  customerId: string;
  contact?: any;
  contacts: any[];
  onDone: () => void;
  onCancel: () => void;
}) {
  const c = props.contact;
  const initial: ContactValues = c
    ? {
        ...blankContact,
        ...Object.fromEntries(Object.keys(blankContact).map((k) => [k, c[k] ?? (blankContact as any)[k]])),
      }
    : blankContact;
  const f = useForm<ContactValues>(initial);
  const rid = useRef(requestId());
  // Opened from a row further down (on a phone, far down): bring the form into view.
  const top = useRef<HTMLDivElement>(null);
  useEffect(() => top.current?.scrollIntoView({ block: 'nearest' }), [c?.id]);
  const enumSelect = (
    name: keyof ContactValues,
    label: string,
    names: Record<string, [string, string]>,
    labeller: (v?: string) => string,
  ) => (
    <Field label={label} error={f.errors[name]}>
      <select {...f.bind(name)}>
        <Options options={optionsOf(CONTACT_ENUMS[name], names, labeller)} empty={L('未填写', 'Not given')} />
      </select>
    </Field>
  );
  const text = (name: keyof ContactValues, label: string, type = 'text') => (
    <Field label={label} error={f.errors[name]}>
      <input {...f.bind(name)} type={type} />
    </Field>
  );
  const others = props.contacts.filter((x) => x.id !== c?.id).map((x) => [x.id, x.name] as [string, string]);
  return (
    <div ref={top}>
      <Panel title={c ? `${L('编辑联系人', 'Edit contact')}：${c.name}` : L('添加联系人', 'Add contact')}>
        <form
          class="form"
          noValidate
          onSubmit={f.submit(async (v) => {
            const body: Record<string, unknown> = {};
            for (const [k, val] of Object.entries(v)) {
              body[k] = k in CONTACT_ENUMS && !val ? `${CONTACT_ENUMS[k]}UNSPECIFIED` : val;
            }
            if (!c) {
              await post('/v1/contacts', { requestId: rid.current, contact: { ...body, customerId: props.customerId } });
              toast(L('联系人已添加', 'Contact added'));
            } else {
              const mask = Object.keys(v).filter((k) => (v as any)[k] !== (initial as any)[k]);
              if (mask.length) {
                const changed: Record<string, unknown> = { id: c.id, etag: c.etag };
                for (const k of mask) changed[k] = body[k];
                await patch(`/v1/contacts/${c.id}`, { contact: changed }, mask);
                toast(L('联系人已保存', 'Contact saved'));
              }
            }
            props.onDone();
          })}
        >
          <ErrorBox error={f.error} />
          {text('name', L('姓名 *', 'Name *'))}
          {enumSelect('gender', L('性别', 'Gender'), GENDER, gender)}
          {text('position', L('职务', 'Position'))}
          {text('mobile', L('手机', 'Mobile'), 'tel')}
          {text('officePhone', L('办公电话', 'Office phone'), 'tel')}
          {text('email', L('邮箱', 'E-mail'), 'email')}
          <Field label={L('汇报给', 'Reports to')} error={f.errors.reportsToId}>
            <select {...f.bind('reportsToId')}>
              <Options options={others} empty={L('无', 'Nobody')} />
            </select>
          </Field>
          {enumSelect('buyingRole', L('采购角色', 'Buying role'), BUYING_ROLE, buyingRole)}
          {enumSelect('attitude', L('态度', 'Attitude'), ATTITUDE, attitude)}
          {enumSelect('socialStyle', L('社交风格', 'Social style'), SOCIAL_STYLE, socialStyle)}
          <Check name="primary" checked={f.values.primary} onChange={(v) => f.set('primary', v)}>
            {L('主联系人', 'Primary contact')}
          </Check>
          <Field label={L('备注', 'Notes')} error={f.errors.notes} wide>
            <textarea {...f.bind('notes')} />
          </Field>
          <FormButtons busy={f.busy} action="save-contact" label={L('保存', 'Save')}>
            <button type="button" data-action="cancel" onClick={props.onCancel}>
              {L('取消', 'Cancel')}
            </button>
            {c && (
              <ConfirmButton
                action="delete-contact"
                label={L('删除', 'Delete')}
                confirm={L('确定删除', 'Really delete')}
                onConfirm={f.submit(async () => {
                  await del(`/v1/contacts/${c.id}?etag=${encodeURIComponent(c.etag ?? '')}`);
                  toast(L('联系人已删除', 'Contact deleted'));
                  props.onDone();
                })}
              />
            )}
          </FormButtons>
        </form>
      </Panel>
    </div>
  );
}

// ---- interactions (交往记录) ----

const blankInteraction = () => ({
  method: 'INTERACTION_METHOD_VISIT',
  occurTime: localNow(),
  contactId: '',
  location: '',
  summary: '',
  details: '',
  result: '',
  nextFollowUpDate: '',
});

function InteractionsTab({ id, v, users, reload }: TabProps) {
  const contacts = useContacts(id, v);
  const contactName = (cid?: string) => contacts.find((c) => c.id === cid)?.name ?? '';
  return (
    <>
      {can('customers.write') && <InteractionForm customerId={id} contacts={contacts} onDone={reload} />}
      <SectionList
        id="interactions"
        title={L('交往记录', 'Interactions')}
        v={v}
        customerId={id}
        empty={L('暂无交往记录', 'No interactions yet')}
        columns={[
          { label: L('时间', 'When'), render: (i) => dateTime(i.occurTime) },
          { label: L('方式', 'How'), render: (i) => interactionMethod(i.method) },
          {
            label: L('概要', 'Summary'),
            render: (i) => (
              <div>
                {i.summary}
                {i.details && <div class="hint pre">{i.details}</div>}
              </div>
            ),
          },
          { label: L('结果', 'Result'), render: (i) => i.result },
          { label: L('联系人', 'Contact'), render: (i) => contactName(i.contactId) },
          { label: L('下次跟进', 'Follow up'), render: (i) => date(i.nextFollowUpDate) },
          { label: L('记录人', 'By'), render: (i) => nameOf(users, i.userId) },
        ]}
      />
    </>
  );
}

function InteractionForm(props: { customerId: string; contacts: any[]; onDone: () => void }) {
  const f = useForm(blankInteraction());
  const rid = useRef(requestId());
  return (
    <Panel title={L('记录跟进', 'Record a follow-up')}>
      <form
        class="form"
        noValidate
        onSubmit={f.submit(async (v) => {
          const when = v.occurTime ? new Date(v.occurTime) : null;
          if (!when || isNaN(when.getTime())) throw invalid({ 'interaction.occur_time': L('必填', 'Required') });
          const next = v.nextFollowUpDate ? toDate(v.nextFollowUpDate) : undefined;
          await post('/v1/interactions', {
            requestId: rid.current,
            interaction: {
              customerId: props.customerId,
              method: v.method,
              occurTime: when.toISOString(),
              contactId: v.contactId || undefined,
              location: v.location,
              summary: v.summary,
              details: v.details,
              result: v.result,
              nextFollowUpDate: next,
            },
          });
          rid.current = requestId();
          f.reset(blankInteraction());
          toast(L('已记录', 'Recorded'));
          props.onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('方式', 'How')} error={f.errors.method}>
          <select {...f.bind('method')}>
            <Options options={optionsOf('INTERACTION_METHOD_', INTERACTION_METHOD, interactionMethod)} />
          </select>
        </Field>
        <Field label={L('时间', 'When')} error={f.errors.occurTime}>
          <input {...f.bind('occurTime')} type="datetime-local" max={localNow()} />
        </Field>
        <Field label={L('联系人', 'Contact')} error={f.errors.contactId}>
          <select {...f.bind('contactId')}>
            <Options options={props.contacts.map((c) => [c.id, c.name] as [string, string])} empty={L('未指定', 'None')} />
          </select>
        </Field>
        <Field label={L('地点', 'Where')} error={f.errors.location}>
          <input {...f.bind('location')} />
        </Field>
        <Field label={L('概要 *', 'Summary *')} error={f.errors.summary} wide>
          <input {...f.bind('summary')} maxLength={200} />
        </Field>
        <Field label={L('详细内容', 'Details')} error={f.errors.details} wide>
          <textarea {...f.bind('details')} />
        </Field>
        <Field label={L('结果', 'Result')} error={f.errors.result}>
          <input {...f.bind('result')} />
        </Field>
        <Field label={L('下次跟进日期', 'Next follow-up')} error={f.errors.nextFollowUpDate}>
          <input {...f.bind('nextFollowUpDate')} type="date" min={today()} />
        </Field>
        <FormButtons busy={f.busy} action="record" label={L('保存记录', 'Record')} />
      </form>
    </Panel>
  );
}

// ---- what other services hold about the customer ----

function OpportunitiesTab({ id, v }: TabProps) {
  const stages = useLoad(
    async () =>
      can('pipeline.opportunities.read')
        ? new Map<string, string>(((await get('/v1/stages')).stages ?? []).map((s: any) => [s.code, s.name]))
        : new Map<string, string>(),
    [],
  );
  return (
    <SectionList
      id="opportunities"
      title={L('商机', 'Opportunities')}
      v={v}
      customerId={id}
      onRow={(o) => navigate(`/opportunities/${o.id}`)}
      empty={L('暂无商机', 'No opportunities')}
      columns={[
        { label: L('概要', 'Summary'), render: (o) => <Link to={`/opportunities/${o.id}`}>{o.summary}</Link> },
        { label: L('阶段', 'Stage'), render: (o) => stages.data?.get(o.stage) ?? o.stage },
        { label: L('状态', 'Status'), render: (o) => <Badge>{opportunityStatus(o.status)}</Badge> },
        { label: L('成功几率', 'Chance'), class: 'num', render: (o) => (o.probability ? `${o.probability}%` : '') },
        { label: L('预计金额', 'Expected'), class: 'num', render: (o) => money(o.expectedAmount) },
        { label: L('预计成交', 'Close by'), render: (o) => date(o.expectedCloseDate) },
      ]}
    />
  );
}

function ContractsTab({ id, v }: TabProps) {
  return (
    <SectionList
      id="contracts"
      title={L('合同', 'Contracts')}
      v={v}
      customerId={id}
      onRow={(c) => navigate(`/contracts/${c.id}`)}
      empty={L('暂无合同', 'No contracts')}
      columns={[
        { label: L('合同编号', 'Number'), render: (c) => <Link to={`/contracts/${c.id}`}>{c.number}</Link> },
        { label: L('名称', 'Title'), render: (c) => c.title },
        { label: L('状态', 'Status'), render: (c) => <Badge>{contractStatus(c.status)}</Badge> },
        { label: L('金额', 'Amount'), class: 'num', render: (c) => money(c.amount) },
        { label: L('签署日期', 'Signed'), render: (c) => date(c.signDate) },
      ]}
    />
  );
}

function ReceivablesTab({ id, v }: TabProps) {
  return (
    <SectionList
      id="receivables"
      title={L('回款', 'Receivables')}
      v={v}
      customerId={id}
      onRow={(r) => navigate(`/finance/${r.contractId}`)}
      empty={L('暂无应收款', 'No receivables')}
      columns={[
        { label: L('合同编号', 'Contract'), render: (r) => <Link to={`/finance/${r.contractId}`}>{r.contractNumber}</Link> },
        { label: L('状态', 'Status'), render: (r) => <Badge>{receivableStatus(r.status)}</Badge> },
        { label: L('应收', 'Due'), class: 'num', render: (r) => money(r.balance?.due) },
        { label: L('已收', 'Received'), class: 'num', render: (r) => money(r.balance?.received) },
        { label: L('未收', 'Outstanding'), class: 'num', render: (r) => money(r.balance?.outstanding) },
        {
          label: L('逾期', 'Overdue'),
          class: 'num',
          render: (r) => (moneyValue(r.balance?.overdue) > 0 ? <Badge tone="bad">{money(r.balance?.overdue)}</Badge> : ''),
        },
      ]}
    />
  );
}

function TicketsTab({ id, v }: TabProps) {
  return (
    <SectionList
      id="tickets"
      title={L('服务单', 'Service tickets')}
      v={v}
      customerId={id}
      onRow={(t) => navigate(`/tickets/${t.id}`)}
      empty={L('暂无服务单', 'No tickets')}
      columns={[
        { label: L('编号', 'Number'), render: (t) => <Link to={`/tickets/${t.id}`}>{t.number}</Link> },
        { label: L('概要', 'Summary'), render: (t) => t.summary },
        { label: L('优先级', 'Priority'), render: (t) => ticketPriority(t.priority) },
        {
          label: L('状态', 'Status'),
          render: (t) => (
            <>
              <Badge>{ticketStatus(t.status)}</Badge>{' '}
              {(t.responseOverdue || t.resolutionOverdue) && <Badge tone="bad">{L('超时', 'Overdue')}</Badge>}
            </>
          ),
        },
        { label: L('创建时间', 'Created'), render: (t) => dateTime(t.createTime) },
      ]}
    />
  );
}

function OrdersTab({ id, v, customer, reload }: TabProps) {
  const s = v.orders ?? {};
  const unlinked = !s.status?.code && !s.linked;
  return (
    <>
      {unlinked && (
        <Panel title={L('销售系统', 'Sales system')}>
          <p class="hint">
            {L('该客户尚未关联销售系统，没有订单记录。', 'This customer is not linked to the sales system, so it has no orders.')}
          </p>
          {customer && can('customers.write') && <SalesKeyForm customer={customer} onDone={reload} />}
        </Panel>
      )}
      <SectionList
        id="orders"
        title={L('销售系统订单', 'Sales-system orders')}
        v={v}
        listPath={`/v1/customers/${id}/orders`}
        customerId={id}
        empty={L('暂无订单', 'No orders')}
        columns={[
          { label: L('订单号', 'Order'), render: (o) => o.number },
          { label: L('日期', 'Date'), render: (o) => date(o.orderDate) },
          { label: L('状态', 'Status'), render: (o) => <Badge>{salesOrderStatus(o.status)}</Badge> },
          {
            label: L('产品', 'Products'),
            render: (o) => (o.lines ?? []).map((l: any) => `${l.productName} × ${l.quantity}`).join('；'),
          },
          { label: L('金额', 'Total'), class: 'num', render: (o) => money(o.total) },
        ]}
      />
    </>
  );
}

function SalesKeyForm({ customer, onDone }: { customer: any; onDone: () => void }) {
  const f = useForm({ salesSystemKey: customer.salesSystemKey ?? '' });
  return (
    <form
      class="form"
      noValidate
      onSubmit={f.submit(async (v) => {
        await post(`/v1/customers/${customer.id}:setSalesSystemKey`, { etag: customer.etag, salesSystemKey: v.salesSystemKey });
        toast(L('已关联销售系统', 'Linked to the sales system'));
        onDone();
      })}
    >
      <ErrorBox error={f.error} />
      <Field label={L('销售系统客户编码', 'Customer key in the sales system')} error={f.errors.salesSystemKey}>
        <input {...f.bind('salesSystemKey')} />
      </Field>
      <FormButtons busy={f.busy} action="link-sales-system" label={L('关联', 'Link')} />
    </form>
  );
}

// ---- relationship map (营销员内部客户关系图) ----

function RelationsTab({ id, users, reload }: TabProps) {
  const map = useLoad(() => get(`/v1/customers/${id}/relationshipMap`), [id]);
  const m = map.data;
  const refresh = () => {
    map.reload();
    reload();
  };
  return (
    <>
      <ErrorBox error={map.error} />
      <Loading loading={map.loading && !m} />
      {m && (
        <Panel title={L('客户关系图', 'Relationship map')}>
          <RelationshipGraph map={m} users={users} />
          <Legend />
        </Panel>
      )}
      {m && <RelationshipList map={m} users={users} onChange={refresh} />}
      {m && can('customers.write') && (
        <div class="grid">
          <RelationForm contacts={m.contacts ?? []} onDone={refresh} />
          <LinkForm customerId={id} onDone={refresh} />
        </div>
      )}
    </>
  );
}

interface GraphNode {
  key: string;
  kind: 'center' | 'contact' | 'customer' | 'user';
  label: string;
  sub?: string;
  x: number;
  y: number;
  angle: number;
  data?: any;
}

const short = (s: string, n = 8) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

// The contacts in organisation-chart order (each followed by those reporting to it), so that
// reporting lines join neighbours on the ring.
function chartOrder(contacts: any[]): any[] {
  const ids = new Set(contacts.map((c) => c.id));
  const reports = new Map<string, any[]>();
  for (const c of contacts) {
    const boss = c.reportsToId && ids.has(c.reportsToId) ? c.reportsToId : '';
    reports.set(boss, [...(reports.get(boss) ?? []), c]);
  }
  const out: any[] = [];
  const seen = new Set<string>();
  const visit = (c: any) => {
    if (seen.has(c.id)) return;
    seen.add(c.id);
    out.push(c);
    (reports.get(c.id) ?? []).forEach(visit);
  };
  (reports.get('') ?? []).forEach(visit);
  contacts.forEach(visit); // reporting loops, should there be any
  return out;
}

// A radial layout: the customer in the middle, its contacts and linked customers on a ring
// around it, and our users who know the contacts on an outer ring beside them.
// Compact on a phone, so that the labels stay readable.
function layout(map: any, users: Map<string, User>, compact: boolean) {
  const W = compact ? 420 : 800;
  const H = compact ? 540 : 580;
  const [rx, ry, ux, uy] = compact ? [120, 160, 185, 235] : [230, 165, 330, 250];
  const cx = W / 2;
  const cy = H / 2;
  const nodes = new Map<string, GraphNode>();
  nodes.set('center', { key: 'center', kind: 'center', label: map.customer?.name ?? '', x: cx, y: cy, angle: 0 });
  const ring: Omit<GraphNode, 'x' | 'y' | 'angle'>[] = [
    ...chartOrder(map.contacts ?? []).map((c) => ({
      key: `c:${c.id}`,
      kind: 'contact' as const,
      label: c.name,
      sub: c.position,
      data: c,
    })),
    ...(map.linkedCustomers ?? []).map((c: any) => ({ key: `k:${c.id}`, kind: 'customer' as const, label: c.name, data: c })),
  ];
  ring.forEach((n, i) => {
    const a = -Math.PI / 2 + (2 * Math.PI * i) / ring.length;
    nodes.set(n.key, { ...n, angle: a, x: cx + rx * Math.cos(a), y: cy + ry * Math.sin(a) });
  });
  // Each user beside the contacts they know, kept apart from each other.
  const known = new Map<string, number[]>();
  for (const r of map.relations ?? []) {
    const n = nodes.get(`c:${r.contactId}`);
    if (!n) continue;
    known.set(r.userId, [...(known.get(r.userId) ?? []), n.angle]);
  }
  const placed = [...known.entries()]
    .map(([uid, angles]) => ({
      uid,
      a: Math.atan2(
        angles.reduce((s, a) => s + Math.sin(a), 0),
        angles.reduce((s, a) => s + Math.cos(a), 0),
      ),
    }))
    .sort((p, q) => p.a - q.a);
  const gap = Math.min(0.45, (2 * Math.PI) / Math.max(placed.length, 1));
  for (let i = 1; i < placed.length; i++) {
    if (placed[i].a - placed[i - 1].a < gap) placed[i].a = placed[i - 1].a + gap;
  }
  for (const p of placed) {
    nodes.set(`u:${p.uid}`, {
      key: `u:${p.uid}`,
      kind: 'user',
      label: nameOf(users, p.uid),
      x: cx + ux * Math.cos(p.a),
      y: cy + uy * Math.sin(p.a),
      angle: p.a,
    });
  }
  return { W, H, cx, cy, nodes };
}

interface GraphEdge {
  from: GraphNode;
  to: GraphNode;
  kind: string;
  label?: string;
  width?: number;
  title: string;
}

const RADIUS = { center: 34, contact: 22, customer: 22, user: 16 };

// An edge as a path: reporting lines bend away from the middle (they join contacts on the
// ring), the others are straight; each stops at its target's edge so an arrow shows.
function edgePath(e: GraphEdge, cx: number, cy: number) {
  const mx = (e.from.x + e.to.x) / 2;
  const my = (e.from.y + e.to.y) / 2;
  let qx = mx;
  let qy = my;
  if (e.kind === 'report') {
    const dist = Math.hypot(e.to.x - e.from.x, e.to.y - e.from.y);
    let ox = mx - cx;
    let oy = my - cy;
    let olen = Math.hypot(ox, oy);
    if (olen < 1) {
      ox = -(e.to.y - e.from.y);
      oy = e.to.x - e.from.x;
      olen = Math.hypot(ox, oy) || 1;
    }
    qx = mx + (ox / olen) * dist * 0.35;
    qy = my + (oy / olen) * dist * 0.35;
  }
  const tx = e.to.x - qx;
  const ty = e.to.y - qy;
  const tlen = Math.hypot(tx, ty) || 1;
  const cut = RADIUS[e.to.kind] + 2;
  const ex = e.to.x - (tx / tlen) * cut;
  const ey = e.to.y - (ty / tlen) * cut;
  return {
    d: `M ${e.from.x} ${e.from.y} Q ${qx} ${qy} ${ex} ${ey}`,
    // The curve's middle, for its label.
    lx: 0.25 * e.from.x + 0.5 * qx + 0.25 * e.to.x,
    ly: 0.25 * e.from.y + 0.5 * qy + 0.25 * e.to.y,
  };
}

function RelationshipGraph({ map, users }: { map: any; users: Map<string, User> }) {
  const compact = window.innerWidth < 720;
  const { W, H, cx, cy, nodes } = layout(map, users, compact);
  const at = (k: string) => nodes.get(k);
  const edges: GraphEdge[] = [];
  for (const c of map.contacts ?? []) {
    const me = at(`c:${c.id}`)!;
    const boss = c.reportsToId ? at(`c:${c.reportsToId}`) : undefined;
    if (boss) edges.push({ from: me, to: boss, kind: 'report', title: `${c.name} → ${boss.label}：${L('汇报', 'reports to')}` });
    else edges.push({ from: at('center')!, to: me, kind: 'member', title: `${c.name}` });
  }
  for (const l of map.links ?? []) {
    const other = at(`k:${l.fromCustomerId === map.customer?.id ? l.toCustomerId : l.fromCustomerId}`);
    if (!other) continue;
    const label = customerLinkKind(l.kind);
    edges.push({ from: at('center')!, to: other, kind: 'link', label, title: `${label}：${other.label}` });
  }
  for (const r of map.relations ?? []) {
    const u = at(`u:${r.userId}`);
    const c = at(`c:${r.contactId}`);
    if (!u || !c) continue;
    edges.push({
      from: u,
      to: c,
      kind: 'knows',
      label: `${r.strength}`,
      width: 0.8 + (r.strength ?? 1) * 0.6,
      title: `${u.label} → ${c.label}：${L('熟悉度', 'closeness')} ${r.strength}${r.notes ? `（${r.notes}）` : ''}`,
    });
  }
  const nodeList = [...nodes.values()];
  return (
    <svg class="relmap" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={L('客户关系图', 'Relationship map')}>
      <defs>
        <marker id="relmap-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" class="arrow" />
        </marker>
      </defs>
      {edges.map((e) => {
        const p = edgePath(e, cx, cy);
        return (
          <g class={`edge ${e.kind}`}>
            <title>{e.title}</title>
            <path
              d={p.d}
              fill="none"
              style={e.width ? { strokeWidth: e.width } : undefined}
              marker-end={e.kind === 'report' ? 'url(#relmap-arrow)' : undefined}
            />
            {e.label && (
              <text x={p.lx} y={p.ly - 4} text-anchor="middle" class="edge-label">
                {e.label}
              </text>
            )}
          </g>
        );
      })}
      {nodeList.map((n) => {
        const r = RADIUS[n.kind];
        const mood = n.kind === 'contact' && n.data?.attitude ? n.data.attitude.replace('ATTITUDE_', '').toLowerCase() : '';
        const cls = `node ${n.kind} ${mood}${n.data?.primary ? ' primary' : ''}`;
        // Labels below the node, except for our people on the upper half: above, outwards.
        const above = n.kind === 'user' && Math.sin(n.angle) < -0.2;
        const ly = above ? n.y - r - 8 : n.y + r + 15;
        const shape =
          n.kind === 'customer' ? (
            <rect x={n.x - r} y={n.y - r * 0.75} width={r * 2} height={r * 1.5} rx={6} />
          ) : (
            <circle cx={n.x} cy={n.y} r={r} />
          );
        const body = (
          <g class={cls}>
            <title>{n.sub ? `${n.label}（${n.sub}）` : n.label}</title>
            {shape}
            <text x={n.x} y={n.y + 5} text-anchor="middle" class="initial">
              {n.kind === 'center' ? short(n.label, 4) : n.label.slice(0, 1)}
            </text>
            <text x={n.x} y={n.kind === 'center' ? n.y + r + 17 : ly} text-anchor="middle" class={`label${n.kind === 'center' ? ' strong' : ''}`}>
              {n.kind === 'center' ? short(n.label, compact ? 10 : 14) : short(n.label, compact ? 6 : 8)}
            </text>
            {n.sub && (
              <text x={n.x} y={n.y + r + 30} text-anchor="middle" class="label sub">
                {short(n.sub, compact ? 6 : 10)}
              </text>
            )}
          </g>
        );
        return n.kind === 'customer' ? <a href={`#/customers/${n.data.id}`}>{body}</a> : body;
      })}
      {nodeList.length === 1 && (
        <text x={W / 2} y={H / 2 + 80} text-anchor="middle" class="label sub">
          {L('暂无联系人、关系和关联客户', 'No contacts, relations or linked customers yet')}
        </text>
      )}
    </svg>
  );
}

function Legend() {
  const item = (cls: string, text: string) => (
    <span class="legend-item">
      <i class={`swatch ${cls}`} />
      {text}
    </span>
  );
  return (
    <p class="legend">
      {item('center', L('本客户', 'This customer'))}
      {item('supporter', L('联系人·支持', 'Contact · supporter'))}
      {item('neutral', L('联系人·中立/未知', 'Contact · neutral'))}
      {item('opponent', L('联系人·反对', 'Contact · opponent'))}
      {item('customer', L('关联客户', 'Linked customer'))}
      {item('user', L('我方人员（虚线粗细=熟悉度）', 'Our people (dashes: closeness)'))}
      {item('report', L('→ 汇报关系', '→ reports to'))}
    </p>
  );
}

// The same relationships as rows, readable on a phone.
function RelationshipList({ map, users, onChange }: { map: any; users: Map<string, User>; onChange: () => void }) {
  const unlink = useAction();
  const contacts = new Map<string, any>((map.contacts ?? []).map((c: any) => [c.id, c]));
  const customers = new Map<string, any>([[map.customer?.id, map.customer], ...(map.linkedCustomers ?? []).map((c: any) => [c.id, c])]);
  type Row = { from: string; how: string; to: ComponentChildren; action?: ComponentChildren };
  const rows: Row[] = [];
  for (const c of map.contacts ?? []) {
    if (c.reportsToId && contacts.has(c.reportsToId)) {
      rows.push({ from: c.name, how: L('汇报给', 'reports to'), to: contacts.get(c.reportsToId).name });
    }
  }
  for (const r of map.relations ?? []) {
    rows.push({
      from: nameOf(users, r.userId),
      how: `${L('熟悉度', 'closeness')} ${'★'.repeat(r.strength ?? 0)}`,
      to: `${contacts.get(r.contactId)?.name ?? ''}${r.notes ? `（${r.notes}）` : ''}`,
    });
  }
  for (const l of map.links ?? []) {
    const from = customers.get(l.fromCustomerId);
    const to = customers.get(l.toCustomerId);
    rows.push({
      from: from?.name ?? '',
      how: customerLinkKind(l.kind),
      to: to ? <Link to={`/customers/${to.id}`}>{to.name}</Link> : '',
      action: can('customers.write') && (
        <button
          type="button"
          class="link"
          data-action="delete-link"
          onClick={() =>
            unlink.run(async () => {
              await del(`/v1/customerLinks/${l.id}`);
              toast(L('已取消关联', 'Link removed'));
              onChange();
            })
          }
        >
          {L('取消关联', 'Unlink')}
        </button>
      ),
    });
  }
  return (
    <Panel title={L('关系明细', 'Relationships')}>
      <ErrorBox error={unlink.error} />
      <Table
        rows={rows}
        empty={L('暂无关系记录', 'No relationships recorded')}
        columns={[
          { label: L('从', 'From'), render: (r: Row) => r.from },
          { label: L('关系', 'Relation'), render: (r: Row) => r.how },
          { label: L('到', 'To'), render: (r: Row) => r.to },
          { label: '', render: (r: Row) => r.action },
        ]}
      />
    </Panel>
  );
}

function RelationForm({ contacts, onDone }: { contacts: any[]; onDone: () => void }) {
  const f = useForm({ contactId: '', strength: '3', notes: '' });
  return (
    <Panel title={L('记录我与联系人的关系', 'How well I know a contact')}>
      <form
        class="form"
        noValidate
        onSubmit={f.submit(async (v) => {
          if (!v.contactId) throw invalid({ 'relation.contact_id': L('请选择联系人', 'Choose a contact') });
          await post('/v1/contactRelations', { relation: { contactId: v.contactId, strength: Number(v.strength), notes: v.notes } });
          toast(L('已保存', 'Saved'));
          f.reset({ contactId: '', strength: '3', notes: '' });
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('联系人', 'Contact')} error={f.errors.contactId}>
          <select {...f.bind('contactId')}>
            <Options options={contacts.map((c) => [c.id, c.name] as [string, string])} empty={L('请选择', 'Choose')} />
          </select>
        </Field>
        <Field label={L('熟悉度', 'Closeness')} error={f.errors.strength}>
          <select {...f.bind('strength')}>
            <Options options={[1, 2, 3, 4, 5].map((n) => [String(n), '★'.repeat(n)] as [string, string])} />
          </select>
        </Field>
        <Field label={L('备注', 'Notes')} error={f.errors.notes} wide>
          <input {...f.bind('notes')} />
        </Field>
        <FormButtons busy={f.busy} action="set-relation" label={L('保存', 'Save')} />
      </form>
    </Panel>
  );
}

function LinkForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const f = useForm({ kind: 'CUSTOMER_LINK_KIND_PARTNER', notes: '' });
  const [other, setOther] = useState<CustomerRef | undefined>();
  const [pickerKey, setPickerKey] = useState(0);
  const rid = useRef(requestId());
  return (
    <Panel title={L('关联其他客户', 'Link another customer')}>
      <form
        class="form"
        noValidate
        onSubmit={f.submit(async (v) => {
          if (!other) throw invalid({ 'link.to_customer_id': L('请选择客户', 'Choose a customer') });
          await post('/v1/customerLinks', {
            requestId: rid.current,
            link: { fromCustomerId: customerId, toCustomerId: other.id, kind: v.kind, notes: v.notes },
          });
          rid.current = requestId();
          setOther(undefined);
          setPickerKey((k) => k + 1);
          f.reset({ kind: 'CUSTOMER_LINK_KIND_PARTNER', notes: '' });
          toast(L('已关联', 'Linked'));
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('关系', 'Relation')} error={f.errors.kind}>
          <select {...f.bind('kind')}>
            <Options options={optionsOf('CUSTOMER_LINK_KIND_', CUSTOMER_LINK_KIND, customerLinkKind)} />
          </select>
        </Field>
        <Field label={L('对方客户', 'Other customer')} error={f.errors.toCustomerId}>
          <CustomerPicker key={pickerKey} name="toCustomerId" value={other} onChange={setOther} />
        </Field>
        <Field label={L('备注', 'Notes')} error={f.errors.notes} wide>
          <input {...f.bind('notes')} />
        </Field>
        <FormButtons busy={f.busy} action="link-customer" label={L('关联', 'Link')} />
      </form>
    </Panel>
  );
}

// ---- churn (客户流失) ----

function LossTab({ id, v, customer: c, users, reload }: TabProps) {
  const actions = useLoad(() => get(`/v1/customers/${id}/lossActions`), [id]);
  const warned = c && (c.status === 'CUSTOMER_STATUS_LOSS_WARNING' || c.status === 'CUSTOMER_STATUS_LOSS_DELAYED');
  return (
    <>
      <Section id="loss-status" title={L('流失状态', 'Churn status')} status={v.profile?.status}>
        {c && (
          <dl class="props">
            <dt>{L('状态', 'Status')}</dt>
            <dd>
              <StatusBadge value={c.status} />
            </dd>
            <dt>{L('最近订单日期', 'Last order')}</dt>
            <dd>{date(c.lastOrderDate) || L('无订单', 'No orders')}</dd>
            {c.lossWarnTime && (
              <>
                <dt>{L('预警时间', 'Warned')}</dt>
                <dd>{dateTime(c.lossWarnTime)}</dd>
              </>
            )}
            {c.lossDelayUntil && (
              <>
                <dt>{L('暂缓至', 'Delayed until')}</dt>
                <dd>{date(c.lossDelayUntil)}</dd>
              </>
            )}
          </dl>
        )}
      </Section>
      {warned && can('customers.loss.manage') && (
        <div class="grid bottom-gap">
          <DelayLossForm customer={c} onDone={reload} />
          <ConfirmLossForm customer={c} onDone={reload} />
        </div>
      )}
      <Panel title={L('流失处理记录', 'Churn history')}>
        <ErrorBox error={actions.error} />
        <Loading loading={actions.loading && !actions.data} />
        {actions.data && (
          <Table
            rows={[...(actions.data.actions ?? [])].reverse()}
            empty={L('暂无流失记录', 'No churn history')}
            columns={[
              { label: L('时间', 'When'), render: (a: any) => dateTime(a.createTime) },
              { label: L('处理', 'Step'), render: (a: any) => lossActionKind(a.kind) },
              { label: L('措施 / 原因', 'Measures / reason'), render: (a: any) => <span class="pre">{lossNote(a.note)}</span> },
              { label: L('暂缓至', 'Until'), render: (a: any) => date(a.delayUntil) },
              { label: L('处理人', 'By'), render: (a: any) => (a.userId ? nameOf(users, a.userId) : L('系统', 'System')) },
            ]}
          />
        )}
      </Panel>
    </>
  );
}

// The scan's note ("no order since 2026-06-01") in the reader's language; people's notes as written.
function lossNote(note?: string): string {
  const m = /^no order since (\S+)$/.exec(note ?? '');
  return m ? L(`自 ${m[1]} 起无订单`, note!) : note ?? '';
}

function DelayLossForm({ customer, onDone }: { customer: any; onDone: () => void }) {
  const f = useForm({ measures: '', delayUntil: '' });
  return (
    <Panel title={L('暂缓流失', 'Delay the loss')}>
      <form
        class="form"
        noValidate
        onSubmit={f.submit(async (v) => {
          await post(`/v1/customers/${customer.id}:delayLoss`, {
            measures: v.measures,
            delayUntil: v.delayUntil ? toDate(v.delayUntil) : undefined,
            etag: customer.etag,
          });
          toast(L('已暂缓流失', 'Loss delayed'));
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('挽留措施 *', 'Measures *')} error={f.errors.measures} wide>
          <textarea {...f.bind('measures')} />
        </Field>
        <Field
          label={L('暂缓至', 'Until')}
          error={f.errors.delayUntil}
          hint={L('不填则为三个月后', 'Three months from today when empty')}
        >
          <input {...f.bind('delayUntil')} type="date" min={today(1)} />
        </Field>
        <FormButtons busy={f.busy} action="delay-loss" label={L('暂缓流失', 'Delay loss')} />
      </form>
    </Panel>
  );
}

function ConfirmLossForm({ customer, onDone }: { customer: any; onDone: () => void }) {
  const f = useForm({ reason: '' });
  return (
    <Panel title={L('确定流失', 'Confirm the loss')}>
      <form
        class="form"
        noValidate
        onSubmit={f.submit(async (v) => {
          await post(`/v1/customers/${customer.id}:confirmLoss`, { reason: v.reason, etag: customer.etag });
          toast(L('已确定流失', 'Loss confirmed'));
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('流失原因 *', 'Reason *')} error={f.errors.reason} wide>
          <textarea {...f.bind('reason')} />
        </Field>
        <FormButtons busy={f.busy} action="confirm-loss" label={L('确定流失', 'Confirm loss')} danger />
      </form>
    </Panel>
  );
}

// ---- hand-over (客户移交) ----

function HandoverPage() {
  const users = useUsers();
  const f = useForm({ fromUserId: '', toUserId: '', reason: '' });
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [all, setAll] = useState(false);
  const [done, setDone] = useState(0);
  const rid = useRef(requestId());
  const from = f.values.fromUserId;
  const [nameText, setNameText] = useState('');
  const nameContains = useDebounced(nameText.trim(), 300);
  const owned = usePaged(
    async (token) => {
      if (!from) return { rows: [] };
      const r = await get('/v1/customers', { ownerId: from, nameContains, pageSize: 50, pageToken: token });
      return { rows: r.customers ?? [], next: r.nextPageToken };
    },
    [from, nameContains, done],
  );
  const history = usePagedList('/v1/handovers', 'handovers', {}, [done], 20);
  useEffect(() => setSelected(new Set()), [from]);
  if (!can('customers.handover')) {
    return (
      <Page title={L('客户移交', 'Hand over customers')}>
        <Denied />
      </Page>
    );
  }
  // Everyone who may own customers, the disabled too: their customers are the ones to move.
  const everyone: [string, string][] = [...users.values()]
    .filter((u) => u.kind !== 'USER_KIND_SERVICE')
    .map((u) => [u.id, `${u.displayName}（${u.username}）${u.state === 'USER_STATE_DISABLED' ? L(' · 已停用', ' · disabled') : ''}`]);
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };
  const rows = owned.rows ?? [];
  return (
    <Page title={L('客户移交', 'Hand over customers')} actions={<Link to="/customers">{L('返回列表', 'All customers')}</Link>}>
      <Panel>
        <form
          class="form"
          noValidate
          onSubmit={f.submit(async (v) => {
            if (!v.fromUserId) throw invalid({ from_user_id: L('请选择原负责人', 'Choose the current owner') });
            if (!all && selected.size === 0) {
              throw invalid({ customer_ids: L('请选择要移交的客户，或勾选“全部移交”', 'Choose customers, or tick "all"') });
            }
            const h = await post('/v1/customers:handOver', {
              requestId: rid.current,
              fromUserId: v.fromUserId,
              toUserId: v.toUserId,
              customerIds: all ? [] : [...selected],
              reason: v.reason,
            });
            rid.current = requestId();
            toast(L(`已移交 ${h.customerIds?.length ?? 0} 个客户`, `${h.customerIds?.length ?? 0} customers handed over`));
            setSelected(new Set());
            setAll(false);
            f.reset({ fromUserId: v.fromUserId, toUserId: '', reason: '' });
            setDone((n) => n + 1);
          })}
        >
          <ErrorBox error={f.error} />
          <Field label={L('原负责人', 'From')} error={f.errors.fromUserId}>
            {everyone.length ? (
              <select {...f.bind('fromUserId')}>
                <Options options={everyone} empty={L('请选择', 'Choose')} />
              </select>
            ) : (
              <input {...f.bind('fromUserId')} placeholder={L('用户 ID', 'User id')} />
            )}
          </Field>
          <Field label={L('新负责人', 'To')} error={f.errors.toUserId}>
            {everyone.length ? (
              <select {...f.bind('toUserId')}>
                <Options options={userOptions(users).filter(([id]) => id !== from)} empty={L('请选择', 'Choose')} />
              </select>
            ) : (
              <input {...f.bind('toUserId')} placeholder={L('用户 ID', 'User id')} />
            )}
          </Field>
          <Field label={L('移交原因 *', 'Reason *')} error={f.errors.reason} wide>
            <input {...f.bind('reason')} placeholder={L('例如：离职交接', 'e.g. leaving the company')} maxLength={500} />
          </Field>
          {from && (
            <div class="wide">
              <Check name="all" checked={all} onChange={setAll}>
                {L('全部移交（该负责人在您范围内的所有客户）', 'All of their customers within your scope')}
              </Check>
              {f.errors.customerIds && (
                <span class="field-error" role="alert">
                  {f.errors.customerIds}
                </span>
              )}
              {!all && (
                <>
                  <input
                    name="nameContains"
                    class="top-gap"
                    value={nameText}
                    placeholder={L('按名称筛选', 'Filter by name')}
                    autocomplete="off"
                    onInput={(e) => setNameText(e.currentTarget.value)}
                  />
                  <ErrorBox error={owned.error} />
                  <div class="pick-list">
                    <Table
                      rows={owned.rows}
                      rowKey={(c: any) => c.id}
                      empty={L('该负责人名下没有客户', 'They own no customers')}
                      columns={[
                        {
                          label: L('选择', 'Pick'),
                          render: (c: any) => (
                            <input
                              type="checkbox"
                              class="pick"
                              name="customerIds"
                              value={c.id}
                              checked={selected.has(c.id)}
                              onChange={() => toggle(c.id)}
                              aria-label={c.name}
                            />
                          ),
                        },
                        { label: L('名称', 'Name'), render: (c: any) => c.name },
                        { label: L('编号', 'Number'), render: (c: any) => c.number },
                        { label: L('状态', 'Status'), render: (c: any) => <StatusBadge value={c.status} /> },
                      ]}
                    />
                    <Loading loading={owned.loading} />
                    <MoreButton token={owned.next} onMore={owned.more} />
                  </div>
                  {rows.length > 0 && (
                    <button
                      type="button"
                      class="link"
                      data-action="select-all"
                      onClick={() => setSelected(selected.size === rows.length ? new Set() : new Set(rows.map((c: any) => c.id)))}
                    >
                      {selected.size === rows.length ? L('全不选', 'Select none') : L('全选已列出的客户', 'Select all listed')}
                    </button>
                  )}
                </>
              )}
            </div>
          )}
          <FormButtons
            busy={f.busy}
            action="handover"
            label={all ? L('移交全部客户', 'Hand over all') : L(`移交选中的 ${selected.size} 个客户`, `Hand over ${selected.size} selected`)}
          />
        </form>
      </Panel>
      <Panel title={L('移交记录', 'Hand-overs')}>
        <ErrorBox error={history.error} />
        <Table
          rows={history.rows}
          empty={L('暂无移交记录', 'No hand-overs yet')}
          columns={[
            { label: L('时间', 'When'), render: (h: any) => dateTime(h.createTime) },
            { label: L('原负责人', 'From'), render: (h: any) => nameOf(users, h.fromUserId) },
            { label: L('新负责人', 'To'), render: (h: any) => nameOf(users, h.toUserId) },
            { label: L('客户数', 'Customers'), class: 'num', render: (h: any) => h.customerIds?.length ?? 0 },
            { label: L('原因', 'Reason'), render: (h: any) => h.reason },
            { label: L('操作人', 'By'), render: (h: any) => nameOf(users, h.createUserId) },
          ]}
        />
        <Loading loading={history.loading} />
        <MoreButton token={history.next} onMore={history.more} />
      </Panel>
    </Page>
  );
}

// ---- duplicates and merging ----

const MATCHED_ON: Record<string, [string, string]> = {
  tax_id: ['税号相同', 'Same tax id'],
  name: ['名称相同', 'Same name'],
  phone: ['电话相同', 'Same phone'],
};

function DuplicatesPage() {
  const [done, setDone] = useState(0);
  const users = useUsers();
  const list = usePagedList('/v1/duplicateCandidates', 'candidates', {}, [done]);
  if (!can('customers.merge')) {
    return (
      <Page title={L('重复客户', 'Duplicate customers')}>
        <Denied />
      </Page>
    );
  }
  return (
    <Page title={L('重复客户', 'Duplicate customers')} actions={<Link to="/customers">{L('返回列表', 'All customers')}</Link>}>
      <p class="hint">
        {L(
          '选择保留的客户后合并：另一个客户的联系人、交往记录和关联转入保留的客户，' +
            '缺少的资料从另一个补全，然后删除另一个。',
          'Choose the customer to keep: the other one’s contacts, interactions and links move to it, ' +
            'missing fields are filled from it, and it is deleted.',
        )}
      </p>
      <ErrorBox error={list.error} />
      {list.rows && list.rows.length === 0 && <p class="empty">{L('没有发现重复客户', 'No duplicates found')}</p>}
      {(list.rows ?? []).map((p: any) => (
        <DuplicatePair key={`${p.customer?.id}-${p.duplicate?.id}`} pair={p} users={users} onMerged={() => setDone((n) => n + 1)} />
      ))}
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
    </Page>
  );
}

function DuplicatePair({ pair, users, onMerged }: { pair: any; users: Map<string, User>; onMerged: () => void }) {
  const f = useForm({ survivorId: '' });
  const rid = useRef(requestId());
  const both = [pair.customer, pair.duplicate];
  return (
    <Panel class="pair">
      <form
        noValidate
        onSubmit={f.submit(async (v) => {
          const survivor = both.find((c) => c.id === v.survivorId);
          const duplicate = both.find((c) => c.id !== v.survivorId);
          if (!survivor) throw invalid({ survivor_id: L('请选择保留哪一个', 'Choose the one to keep') });
          await post('/v1/customers:merge', {
            requestId: rid.current,
            survivorId: survivor.id,
            duplicateId: duplicate.id,
            survivorEtag: survivor.etag,
            duplicateEtag: duplicate.etag,
          });
          toast(L(`已合并到 ${survivor.name}`, `Merged into ${survivor.name}`));
          onMerged();
        })}
      >
        <p class="badges">
          {(pair.matchedOn ?? []).map((m: string) => (
            <Badge tone="warn" key={m}>
              {MATCHED_ON[m] ? L(...MATCHED_ON[m]) : m}
            </Badge>
          ))}
        </p>
        <div class="pair-grid">
          {both.map((c) => (
            <label class={`pair-card${f.values.survivorId === c.id ? ' chosen' : ''}`}>
              <span class="check">
                <input
                  type="radio"
                  name="survivorId"
                  value={c.id}
                  checked={f.values.survivorId === c.id}
                  onChange={() => f.set('survivorId', c.id)}
                />
                {L('保留', 'Keep')}
              </span>
              <b>
                <Link to={`/customers/${c.id}`}>{c.name}</Link>
              </b>
              <dl class="props">
                <dt>{L('编号', 'Number')}</dt>
                <dd>{c.number}</dd>
                <dt>{L('电话', 'Phone')}</dt>
                <dd>{c.phone || '—'}</dd>
                <dt>{L('税号', 'Tax id')}</dt>
                <dd>{c.taxId || '—'}</dd>
                <dt>{L('负责人', 'Owner')}</dt>
                <dd>{nameOf(users, c.ownerId)}</dd>
                <dt>{L('创建时间', 'Created')}</dt>
                <dd>{dateTime(c.createTime)}</dd>
              </dl>
            </label>
          ))}
        </div>
        {f.errors.survivorId && (
          <span class="field-error" role="alert">
            {f.errors.survivorId}
          </span>
        )}
        <ErrorBox error={f.error} />
        <div class="buttons top-gap">
          <button class="primary" data-action="merge" disabled={f.busy || !f.values.survivorId}>
            {L('合并', 'Merge')}
          </button>
        </div>
      </form>
    </Panel>
  );
}

// ---- loss warnings (流失预警) ----

function LossWarningsPage() {
  const users = useUsers();
  const [ownerId, setOwnerId] = useState('');
  const list = usePagedList('/v1/lossWarnings', 'customers', { ownerId });
  const owners = userOptions(users, ['account_manager', 'sales_manager']);
  return (
    <Page title={L('流失预警', 'Loss warnings')} actions={<Link to="/customers">{L('返回列表', 'All customers')}</Link>}>
      {owners.length > 0 && (
        <div class="filters">
          <Select name="ownerId" value={ownerId} onChange={setOwnerId} options={owners} empty={L('全部负责人', 'Any owner')} />
        </div>
      )}
      <ErrorBox error={list.error} />
      <Table
        rows={list.rows}
        rowKey={(c: any) => c.id}
        onRow={(c: any) => navigate(`/customers/${c.id}?tab=loss`)}
        empty={L('没有流失预警的客户', 'No customer is warned of loss')}
        columns={[
          { label: L('客户', 'Customer'), render: (c: any) => <Link to={`/customers/${c.id}?tab=loss`}>{c.name}</Link> },
          { label: L('编号', 'Number'), render: (c: any) => c.number },
          { label: L('状态', 'Status'), render: (c: any) => <StatusBadge value={c.status} /> },
          { label: L('预警时间', 'Warned'), render: (c: any) => dateTime(c.lossWarnTime) },
          { label: L('暂缓至', 'Delayed until'), render: (c: any) => date(c.lossDelayUntil) },
          { label: L('最近订单', 'Last order'), render: (c: any) => date(c.lastOrderDate) },
          { label: L('负责人', 'Owner'), render: (c: any) => nameOf(users, c.ownerId) },
        ]}
      />
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
    </Page>
  );
}
