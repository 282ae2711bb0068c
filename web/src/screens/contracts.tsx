// Contracts and orders (合同): the list with filters, a new contract (or changes to a draft)
// with its lines picked from the sales system's catalogue, and one contract's page: submission,
// review (鉴定), the electronic contract, signing, termination and the status history.
import { useState } from 'preact/hooks';
import { download, get, patchChanged, post, requestId, upload } from '../api';
import { CustomerLink, customerName, useCustomerNames } from '../customer-names';
import { date, dateTime, fileSize, money, moneyText, moneyValue, parseMoney, toDate, today } from '../format';
import type { Money } from '../format';
import { L } from '../i18n';
import {
  CONTRACT_STATUS,
  contractStatus,
  optionsOf,
  reviewLevel,
  SALES_CHANNEL,
  salesChannel,
} from '../labels';
import { nameOf, userOptions, useUsers } from '../people';
import { contactOptions, CustomerPicker } from '../pickers';
import type { CustomerRef } from '../pickers';
import { can, myId, session } from '../session';
import {
  Badge,
  badgeOf,
  EditPage,
  ErrorBox,
  Field,
  FormButtons,
  invalid,
  Link,
  Loading,
  MoreButton,
  navigate,
  Page,
  Panel,
  Pending,
  Select,
  Stat,
  Table,
  toast,
  useDebounced,
  useForm,
  useLoad,
  usePagedList,
} from '../ui';
import type { Route } from '../ui';

const READ = 'contracts.read';
const WRITE = 'contracts.write';
const REVIEW = 'contracts.review';

const StatusBadge = badgeOf(contractStatus, {
  CONTRACT_STATUS_PENDING_REVIEW: 'warn',
  CONTRACT_STATUS_SIGNED: 'ok',
  CONTRACT_STATUS_COMPLETED: 'ok',
  CONTRACT_STATUS_TERMINATED: 'bad',
});

// ---- the list ----

function ContractList({ route }: { route: Route }) {
  const users = useUsers();
  const status = route.query.get('status') ?? '';
  const [customer, setCustomer] = useState<CustomerRef | undefined>();
  const customerId = customer?.id ?? '';
  const list = usePagedList('/v1/contracts', 'contracts', { status, customerId });
  const names = useCustomerNames((list.rows ?? []).map((c) => c.customerId));
  const go = (next: string) => navigate(`/contracts${next ? `?status=${next}` : ''}`);
  return (
    <Page
      title={L('合同', 'Contracts')}
      actions={can(WRITE) && <Link to="/contracts/new">{L('新建合同', 'New contract')}</Link>}
    >
      <div class="filters">
        <Select
          name="status"
          value={status}
          onChange={go}
          empty={L('全部状态', 'Any status')}
          options={optionsOf('CONTRACT_STATUS_', CONTRACT_STATUS, contractStatus)}
        />
        <CustomerPicker name="customerId" value={customer} onChange={setCustomer} />
      </div>
      <ErrorBox error={list.error} />
      <Loading loading={list.loading && !list.rows} />
      <Table
        rows={list.rows}
        rowKey={(c: any) => c.id}
        onRow={(c: any) => navigate(`/contracts/${c.id}`)}
        empty={L('没有符合条件的合同', 'No contracts match')}
        columns={[
          { label: L('编号', 'Number'), class: 'nowrap', render: (c: any) => <Link to={`/contracts/${c.id}`}>{c.number}</Link> },
          { label: L('标题', 'Title'), render: (c: any) => c.title },
          { label: L('客户', 'Customer'), render: (c: any) => <CustomerLink id={c.customerId} names={names} /> },
          { label: L('状态', 'Status'), render: (c: any) => <StatusBadge value={c.status} /> },
          { label: L('金额', 'Amount'), class: 'num', render: (c: any) => money(c.amount) },
          { label: L('签署日期', 'Signed'), class: 'nowrap', render: (c: any) => date(c.signDate) },
          { label: L('负责人', 'Owner'), render: (c: any) => nameOf(users, c.ownerId) },
        ]}
      />
      <MoreButton token={list.next} onMore={list.more} />
      {list.rows && <span data-ready="contracts" hidden />}
    </Page>
  );
}

// ---- the catalogue ----

interface Product {
  id: string;
  code?: string;
  name?: string;
  specification?: string;
  unit?: string;
  listPrice?: Money;
}

interface Stock {
  productId: string;
  warehouseId?: string;
  warehouseName?: string;
  onHand?: string;
  reserved?: string;
}

// Products of the catalogue by line and text, with their list price and stock per warehouse.
function ProductPicker({ onPick }: { onPick: (p: Product) => void }) {
  const productLines = useLoad<any[]>(async () => (await get('/v1/productLines')).productLines ?? [], []);
  const [lineId, setLineId] = useState('');
  const [text, setText] = useState('');
  const query = useDebounced(text.trim());
  const found = useLoad(
    () => get('/v1/products', { productLineId: lineId, query, activeOnly: true, pageSize: 20 }),
    [lineId, query],
  );
  const products: Product[] | undefined = found.data && (found.data.products ?? []);
  const ids = (products ?? []).map((p) => p.id);
  const stock = useLoad<Stock[]>(
    async () => (ids.length ? (await get('/v1/inventory', { productIds: ids })).levels ?? [] : []),
    [ids.join(',')],
  );
  const stockOf = (id: string) => (stock.data ?? []).filter((s) => s.productId === id);
  return (
    <div class="product-picker" data-picker="product">
      <div class="filters">
        <Select
          name="productLineId"
          value={lineId}
          onChange={setLineId}
          empty={L('全部产品线', 'Every product line')}
          options={(productLines.data ?? []).map((l) => [l.id, l.name])}
        />
        <input
          name="query"
          type="search"
          value={text}
          placeholder={L('按名称或货号搜索产品', 'Search products by name or code')}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => e.key === 'Enter' && e.preventDefault()} // searching, not submitting the form
        />
      </div>
      <ErrorBox error={productLines.error || found.error} />
      <Loading loading={found.loading && !found.data} />
      <Table
        rows={products}
        rowKey={(p) => p.id}
        empty={L('没有找到产品', 'No products found')}
        columns={[
          {
            label: L('产品', 'Product'),
            render: (p) => (
              <span data-product={p.code}>
                {p.name} <small class="hint">{p.code}</small>
              </span>
            ),
          },
          { label: L('规格', 'Specification'), render: (p) => p.specification },
          { label: L('单价', 'List price'), class: 'num', render: (p) => `${money(p.listPrice)}/${p.unit ?? ''}` },
          {
            label: L('库存', 'Stock'),
            render: (p) => <StockLevels levels={stockOf(p.id)} unit={p.unit} loading={stock.loading} failed={!!stock.error} />,
          },
          {
            label: '',
            render: (p) => (
              <button type="button" data-action="add-line" onClick={() => onPick(p)}>
                {L('添加', 'Add')}
              </button>
            ),
          },
        ]}
      />
      {found.data?.nextPageToken && (
        <p class="hint">{L('仅显示前 20 个产品，请选择产品线或输入关键字缩小范围', 'The first 20 products only: choose a line or type to narrow it')}</p>
      )}
    </div>
  );
}

function StockLevels(props: { levels: Stock[]; unit?: string; loading: boolean; failed: boolean }) {
  if (props.failed) return <span class="hint">{L('库存暂不可查', 'Stock unavailable')}</span>;
  if (!props.levels.length) return <span class="hint">{props.loading ? '…' : L('无库存', 'None')}</span>;
  return (
    <ul class="stock-levels" data-stock="true">
      {props.levels.map((s) => {
        const free = Math.max(0, Number(s.onHand ?? 0) - Number(s.reserved ?? 0));
        return (
          <li key={s.warehouseId}>
            {s.warehouseName}：{L('可用', 'free')} {free}
            {props.unit ?? ''}
            <small class="hint">
              （{L('在库', 'on hand')} {s.onHand ?? 0}，{L('已预留', 'reserved')} {s.reserved ?? 0}）
            </small>
          </li>
        );
      })}
    </ul>
  );
}

// ---- a new contract, or changes to a draft ----

interface LineDraft {
  productId: string;
  product: Product;
  quantity: string;
  discount: string;
}

const lineOf = (l: any): LineDraft => ({
  productId: l.productId,
  product: {
    id: l.productId,
    code: l.productCode,
    name: l.productName,
    specification: l.specification,
    unit: l.unit,
    listPrice: l.unitPrice,
  },
  quantity: String(l.quantity ?? 1),
  discount: moneyText(l.discount),
});

// The lines as the API takes them; a field error for a quantity or discount that is not one.
function linesOf(drafts: LineDraft[], currency: string) {
  return drafts.map((d) => {
    const quantity = Number(d.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) {
      throw invalid({ quantity: L('数量须为正整数', 'A quantity is a whole number of 1 or more') });
    }
    const discount = d.discount.trim() ? parseMoney(d.discount, currency) : null;
    if (d.discount.trim() && !discount) {
      throw invalid({ discount: L('折扣须为金额，最多两位小数', 'A discount is an amount with at most two decimals') });
    }
    return { productId: d.productId, quantity: String(quantity), discount: discount ?? undefined };
  });
}

// An amount in yuan as Money.
const moneyOf = (n: number, currencyCode: string): Money => ({
  currencyCode,
  units: String(Math.trunc(n)),
  nanos: Math.round((n - Math.trunc(n)) * 100) * 1e7,
});

const lineEstimate = (d: LineDraft) =>
  Math.max(0, Number(d.quantity || 0) * moneyValue(d.product.listPrice) - Number(d.discount || 0));

const EDITABLE = ['title', 'lines', 'terms', 'startDate', 'endDate', 'channel'] as const;

function ContractForm(props: { current?: any; opportunityId?: string; customerId?: string }) {
  const { current, opportunityId, customerId: customerOf } = props;
  const [rid] = useState(requestId);
  const [customer, setCustomer] = useState<CustomerRef | undefined>();
  const [lines, setLines] = useState<LineDraft[]>(() => (current?.lines ?? []).map(lineOf));
  const currency = current?.currencyCode || 'CNY';
  // A new contract is a direct sale unless chosen otherwise.
  let channel = 'SALES_CHANNEL_DIRECT';
  if (current) channel = current.channel === 'SALES_CHANNEL_UNSPECIFIED' ? '' : (current.channel ?? '');
  const initial = {
    opportunityId: opportunityId ?? '',
    title: current?.title ?? '',
    startDate: date(current?.startDate),
    endDate: date(current?.endDate),
    channel,
    terms: current?.terms ?? '',
  };
  const f = useForm(initial);
  const customerId = customer?.id ?? '';
  const won = useLoad<any[]>(
    async () =>
      customerId
        ? (await get('/v1/opportunities', { customerId, status: 'OPPORTUNITY_STATUS_WON', pageSize: 100 })).opportunities ?? []
        : [],
    [customerId],
  );
  // From a won opportunity: its customer, and its summary as the title; or for a customer.
  const from = useLoad(async () => {
    if (current) return null;
    if (!opportunityId) {
      if (customerOf) setCustomer({ id: customerOf, name: await customerName(customerOf) });
      return null;
    }
    const o = await get(`/v1/opportunities/${opportunityId}`);
    if (o.customerId) setCustomer({ id: o.customerId, name: await customerName(o.customerId) });
    if (!f.values.title) f.set('title', o.summary ?? '');
    return o;
  }, [opportunityId, customerOf]);
  const setLine = (i: number, change: Partial<LineDraft>) =>
    setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...change } : l)));
  const pick = (p: Product) =>
    setLines((ls) => {
      const i = ls.findIndex((l) => l.productId === p.id);
      if (i >= 0) return ls.map((l, j) => (j === i ? { ...l, quantity: String(Number(l.quantity || 0) + 1) } : l));
      return [...ls, { productId: p.id, product: p, quantity: '1', discount: '' }];
    });
  const fields = (v: typeof initial, drafts: LineDraft[]): Record<string, unknown> => {
    if (v.startDate && v.endDate && v.endDate < v.startDate) {
      throw invalid({ endDate: L('结束日期不能早于开始日期', 'The end is before the start') });
    }
    return {
      title: v.title,
      lines: linesOf(drafts, currency),
      terms: v.terms,
      startDate: toDate(v.startDate),
      endDate: toDate(v.endDate),
      channel: v.channel || undefined,
    };
  };
  const save = f.submit(async (v) => {
    const c = fields(v, lines);
    if (!current) {
      if (!customer) throw invalid({ customerId: L('请选择客户', 'Choose the customer') });
      const created = await post('/v1/contracts', {
        requestId: rid,
        contract: { ...c, customerId: customer.id, opportunityId: v.opportunityId || undefined, currencyCode: currency },
      });
      toast(L('合同已创建', 'Contract created'));
      navigate(`/contracts/${created.id}`);
      return;
    }
    const before = fields(initial, (current.lines ?? []).map(lineOf));
    if (await patchChanged(`/v1/contracts/${current.id}`, 'contract', current, c, before, EDITABLE)) {
      toast(L('已保存', 'Saved'));
    }
    navigate(`/contracts/${current.id}`);
  });
  const errors = f.errors;
  const total = lines.reduce((s, l) => s + lineEstimate(l), 0);
  return (
    <form class="panel form" onSubmit={save} data-form="contract">
      <ErrorBox error={f.error || from.error} />
      {!current && (
        <Field label={L('客户', 'Customer')} error={errors.customerId}>
          <CustomerPicker
            name="customerId"
            value={customer}
            onChange={setCustomer}
            loading={from.loading && !!(opportunityId || customerOf)}
          />
        </Field>
      )}
      {!current && (
        <Field
          label={L('来源商机', 'Originating opportunity')}
          error={errors.opportunityId}
          hint={L('可选：该客户开发成功的商机', 'Optional: a won opportunity of the customer')}
        >
          <Select
            name="opportunityId"
            value={f.values.opportunityId}
            onChange={(v) => f.set('opportunityId', v)}
            empty={L('无', 'None')}
            options={[
              ...(won.data ?? []).map((o) => [o.id, o.summary] as [string, string]),
              ...(from.data && !(won.data ?? []).some((o) => o.id === from.data.id)
                ? [[from.data.id, from.data.summary] as [string, string]]
                : []),
            ]}
          />
        </Field>
      )}
      <Field label={L('合同标题', 'Title')} error={errors.title} wide>
        <input {...f.bind('title')} required maxLength={200} />
      </Field>
      <Field label={L('开始日期', 'Start date')} error={errors.startDate} hint={L('提交审批前必填', 'Needed to submit')}>
        <input {...f.bind('startDate')} type="date" />
      </Field>
      <Field label={L('结束日期', 'End date')} error={errors.endDate} hint={L('提交审批前必填', 'Needed to submit')}>
        <input {...f.bind('endDate')} type="date" min={f.values.startDate || undefined} />
      </Field>
      <Field label={L('销售渠道', 'Channel')} error={errors.channel}>
        <Select
          name="channel"
          value={f.values.channel}
          onChange={(v) => f.set('channel', v)}
          empty={L('未指定', 'Not given')}
          options={optionsOf('SALES_CHANNEL_', SALES_CHANNEL, salesChannel)}
        />
      </Field>
      <Field label={L('主要条款', 'Main terms')} error={errors.terms} wide>
        <textarea {...f.bind('terms')} />
      </Field>
      <div class="wide">
        <h2 class="lines-head">{L('购买产品', 'Products')}</h2>
        <Table
          rows={lines}
          rowKey={(l) => l.productId}
          empty={L('还没有产品：从下方目录中添加', 'No products yet: add them from the catalogue below')}
          columns={[
            {
              label: L('产品', 'Product'),
              render: (l) => (
                <span data-line={l.product.code}>
                  {l.product.name} <small class="hint">{l.product.code}</small>
                </span>
              ),
            },
            { label: L('单价', 'List price'), class: 'num', render: (l) => `${money(l.product.listPrice)}/${l.product.unit ?? ''}` },
            {
              label: L('数量', 'Quantity'),
              render: (l) => (
                <input
                  name="quantity"
                  class="qty"
                  type="number"
                  min={1}
                  step={1}
                  value={l.quantity}
                  onInput={(e) => setLine(lines.indexOf(l), { quantity: e.currentTarget.value })}
                />
              ),
            },
            {
              label: L('折扣（元）', 'Discount'),
              render: (l) => (
                <input
                  name="discount"
                  class="qty"
                  inputMode="decimal"
                  value={l.discount}
                  placeholder="0"
                  onInput={(e) => setLine(lines.indexOf(l), { discount: e.currentTarget.value })}
                />
              ),
            },
            { label: L('金额（估）', 'Amount (est.)'), class: 'num', render: (l) => money(moneyOf(lineEstimate(l), currency)) },
            {
              label: '',
              render: (l) => (
                <button type="button" class="link" data-action="remove-line" onClick={() => setLines((ls) => ls.filter((x) => x !== l))}>
                  {L('移除', 'Remove')}
                </button>
              ),
            },
          ]}
        />
        {(errors.lines || errors.quantity || errors.discount || errors.productId) && (
          <p class="field-error" role="alert">
            {errors.lines || errors.quantity || errors.discount || errors.productId}
          </p>
        )}
        {lines.length > 0 && (
          <p class="lines-total">
            {L('预计金额', 'Estimated total')} <b>{money(moneyOf(total, currency))}</b>
            <small class="hint">{L('（提交审批时按目录价格确定）', ' (priced from the catalogue when submitted)')}</small>
          </p>
        )}
      </div>
      <details class="wide catalogue-picker" open>
        <summary>{L('从产品目录添加', 'Add from the catalogue')}</summary>
        <ProductPicker onPick={pick} />
      </details>
      <FormButtons
        busy={f.busy}
        action={current ? 'save' : 'create'}
        label={current ? L('保存', 'Save') : L('创建合同', 'Create')}
        onCancel={() => history.back()}
      />
    </form>
  );
}

function NewContract({ route }: { route: Route }) {
  // From a won opportunity (#/contracts/new?opportunity=<id>) or for a customer (?customer=<id>).
  const opportunityId = route.query.get('opportunity') ?? undefined;
  const customerId = route.query.get('customer') ?? undefined;
  return (
    <Page title={L('新建合同', 'New contract')}>
      <ContractForm opportunityId={opportunityId} customerId={customerId} key={`${opportunityId}/${customerId}`} />
    </Page>
  );
}

function EditContract({ id }: { id: string }) {
  return (
    <EditPage
      path={`/v1/contracts/${id}`}
      name={(c) => c.number}
      pending={L('编辑合同', 'Edit contract')}
      form={(c) => <ContractForm current={c} key={c.etag} />}
    />
  );
}

// ---- one contract ----

function ContractPage({ id }: { id: string }) {
  const users = useUsers();
  const contract = useLoad(() => get(`/v1/contracts/${id}`), [id]);
  const changes = useLoad<any[]>(async () => (await get(`/v1/contracts/${id}/statusChanges`)).changes ?? [], [id]);
  const files = useLoad<any[]>(async () => (await get(`/v1/contracts/${id}/files`)).files ?? [], [id]);
  const c = contract.data;
  const names = useCustomerNames([c?.customerId]);
  const opportunity = useLoad(
    async () => (c?.opportunityId ? get(`/v1/opportunities/${c.opportunityId}`).catch(() => null) : null),
    [c?.opportunityId],
  );
  const signing = ['CONTRACT_STATUS_APPROVED', 'CONTRACT_STATUS_SIGNED', 'CONTRACT_STATUS_COMPLETED'].includes(c?.status);
  const contacts = useLoad<any[]>(
    async () =>
      c?.customerId && signing
        ? (await get('/v1/contacts', { customerId: c.customerId, pageSize: 500 })).contacts ?? []
        : [],
    [c?.customerId, signing],
  );
  const reload = () => {
    contract.reload();
    changes.reload();
    files.reload();
  };
  if (!c) return <Pending title={L('合同', 'Contract')} loaded={contract} />;
  const me = myId();
  const owner = c.ownerId === me;
  const reviewer = can(REVIEW);
  const status: string = c.status;
  const draft = status === 'CONTRACT_STATUS_DRAFT';
  const ended = status === 'CONTRACT_STATUS_COMPLETED' || status === 'CONTRACT_STATUS_TERMINATED';
  const canEdit = draft && can(WRITE) && (owner || reviewer);
  const canSubmit = draft && can(WRITE) && owner;
  const canReview = status === 'CONTRACT_STATUS_PENDING_REVIEW' && reviewer && !owner;
  const canSign = status === 'CONTRACT_STATUS_APPROVED' && can(WRITE) && owner;
  const canUpload = can(WRITE) && status !== 'CONTRACT_STATUS_TERMINATED' && (owner || reviewer);
  const canTerminate =
    !ended && can(WRITE) && (status === 'CONTRACT_STATUS_SIGNED' ? reviewer : owner || reviewer);
  const contactName = (cid?: string) => contacts.data?.find((x) => x.id === cid)?.name ?? cid?.slice(0, 8) ?? '';
  return (
    <Page
      title={`${c.number} ${c.title ?? ''}`}
      actions={
        <>
          {canEdit && <Link to={`/contracts/${id}/edit`}>{L('编辑', 'Edit')}</Link>}
          {c.file && <DownloadButton contractId={id} />}
        </>
      }
    >
      <div class="record-badges">
        <StatusBadge value={status} />
        {c.reviewLevel && c.reviewLevel !== 'REVIEW_LEVEL_UNSPECIFIED' && <Badge>{reviewLevel(c.reviewLevel)}</Badge>}
      </div>
      <div class="grid">
        <Panel title={L('合同信息', 'Details')}>
          <dl class="props">
            <dt>{L('客户', 'Customer')}</dt>
            <dd>
              <CustomerLink id={c.customerId} names={names} />
            </dd>
            {c.opportunityId && (
              <>
                <dt>{L('来源商机', 'Opportunity')}</dt>
                <dd>
                  <Link to={`/opportunities/${c.opportunityId}`}>{opportunity.data?.summary ?? L('查看', 'Open')}</Link>
                </dd>
              </>
            )}
            <dt>{L('负责人', 'Owner')}</dt>
            <dd>{nameOf(users, c.ownerId)}</dd>
            <dt>{L('起止日期', 'Runs')}</dt>
            <dd>
              {date(c.startDate) || '—'} ~ {date(c.endDate) || '—'}
            </dd>
            <dt>{L('销售渠道', 'Channel')}</dt>
            <dd>{c.channel ? salesChannel(c.channel) : ''}</dd>
            {c.reviewerId && (
              <>
                <dt>{L('审批人', 'Reviewed by')}</dt>
                <dd>
                  {nameOf(users, c.reviewerId)}
                  {c.reviewComment && <span class="pre">：{c.reviewComment}</span>}
                </dd>
              </>
            )}
            {c.signDate && (
              <>
                <dt>{L('签署', 'Signed')}</dt>
                <dd>
                  {date(c.signDate)} · {nameOf(users, c.ourSignerId)} / {contactName(c.customerSignerContactId)}
                </dd>
              </>
            )}
            {c.terminationReason && (
              <>
                <dt>{L('终止原因', 'Why terminated')}</dt>
                <dd>{c.terminationReason}</dd>
              </>
            )}
            <dt>{L('创建', 'Created')}</dt>
            <dd>
              {nameOf(users, c.creatorId)} · {dateTime(c.createTime)}
            </dd>
            {c.terms && (
              <>
                <dt>{L('主要条款', 'Main terms')}</dt>
                <dd class="pre">{c.terms}</dd>
              </>
            )}
          </dl>
        </Panel>
        {canSubmit && <SubmitPanel c={c} onDone={reload} />}
        {canReview && <ReviewPanel c={c} onDone={reload} />}
        {canSign && <SignPanel c={c} users={users} contacts={contacts} onDone={reload} />}
        {canTerminate && <TerminatePanel c={c} onDone={reload} />}
      </div>
      <Panel title={L('购买产品', 'Products')}>
        <Table
          rows={c.lines ?? []}
          empty={L('还没有产品', 'No products yet')}
          columns={[
            {
              label: L('产品', 'Product'),
              render: (l: any) => (
                <>
                  {l.productName} <small class="hint">{l.productCode}</small>
                </>
              ),
            },
            { label: L('规格', 'Specification'), render: (l: any) => l.specification },
            { label: L('数量', 'Quantity'), class: 'num', render: (l: any) => `${l.quantity ?? 0} ${l.unit ?? ''}` },
            { label: L('单价', 'Unit price'), class: 'num', render: (l: any) => money(l.unitPrice) },
            { label: L('折扣', 'Discount'), class: 'num', render: (l: any) => money(l.discount) },
            { label: L('金额', 'Amount'), class: 'num', render: (l: any) => money(l.amount) },
          ]}
        />
        <div class="stats contract-totals">
          <Stat label={L('原价合计', 'Gross')}>{money(c.grossAmount) || '—'}</Stat>
          <Stat label={L('折扣合计', 'Discounts')}>{money(c.discountAmount) || '—'}</Stat>
          <Stat label={L('合同金额', 'Amount')} field="amount">
            {money(c.amount) || '—'}
          </Stat>
        </div>
        {draft && <p class="hint">{L('提交审批时按产品目录价格定价。', 'The lines are priced from the catalogue when submitted.')}</p>}
      </Panel>
      <FilesPanel c={c} files={files} canUpload={canUpload} users={users} onDone={reload} />
      <Panel title={L('状态历史', 'Status history')}>
        <ErrorBox error={changes.error} />
        <Table
          rows={changes.data}
          empty={L('暂无记录', 'Nothing yet')}
          columns={[
            { label: L('时间', 'When'), render: (s: any) => dateTime(s.changeTime) },
            {
              label: L('状态', 'Status'),
              render: (s: any) =>
                s.fromStatus && s.fromStatus !== 'CONTRACT_STATUS_UNSPECIFIED'
                  ? `${contractStatus(s.fromStatus)} → ${contractStatus(s.toStatus)}`
                  : contractStatus(s.toStatus),
            },
            { label: L('操作人', 'By'), render: (s: any) => nameOf(users, s.userId) },
            { label: L('说明', 'Note'), render: (s: any) => s.reason },
          ]}
        />
      </Panel>
      <span data-ready="contract" data-status={status} hidden />
    </Page>
  );
}

// draft → pending review: what it still lacks (lines, both dates), and the button.
function SubmitPanel({ c, onDone }: { c: any; onDone: () => void }) {
  const f = useForm({});
  const missing = [
    !(c.lines ?? []).length && L('购买产品', 'products'),
    !c.startDate && L('开始日期', 'a start date'),
    !c.endDate && L('结束日期', 'an end date'),
  ].filter(Boolean);
  return (
    <Panel title={L('提交审批', 'Submit for review')}>
      <ErrorBox error={f.error} />
      {Object.keys(f.errors).length > 0 && (
        <div class="notice error" role="alert">
          {Object.entries(f.errors)
            .map(([field, why]) => `${field} ${why}`)
            .join('；')}
        </div>
      )}
      <p class="hint">
        {missing.length
          ? `${L('提交前请编辑补全：', 'Before submitting, add ')}${missing.join(L('、', ', '))}`
          : L('提交后按产品目录定价，并按金额和折扣确定审批人。', 'Submitting prices the lines from the catalogue and decides who reviews it.')}
      </p>
      <div class="buttons">
        <button
          type="button"
          class="primary"
          disabled={f.busy}
          data-action="submit"
          onClick={f.submit(async () => {
            await post(`/v1/contracts/${c.id}:submit`, { etag: c.etag });
            toast(L('已提交审批', 'Submitted for review'));
            onDone();
          })}
        >
          {L('提交审批', 'Submit for review')}
        </button>
      </div>
    </Panel>
  );
}

function DownloadButton({ contractId, fileId }: { contractId: string; fileId?: string }) {
  const f = useForm({});
  return (
    <>
      <button
        type="button"
        class={fileId ? 'link' : ''}
        disabled={f.busy}
        data-action="download"
        onClick={f.submit(() => download(`/v1/contracts/${contractId}:downloadFile`, { fileId }))}
      >
        {fileId ? L('下载', 'Download') : L('下载电子合同', 'Download the contract')}
      </button>
      <ErrorBox error={f.error} />
    </>
  );
}

function ReviewPanel({ c, onDone }: { c: any; onDone: () => void }) {
  const f = useForm({ comment: '' });
  const executiveOnly = c.reviewLevel === 'REVIEW_LEVEL_EXECUTIVE' && session.value?.claims.scope !== 'all';
  const review = (approve: boolean) =>
    f.submit(async (v) => {
      if (!approve && !v.comment.trim()) throw invalid({ comment: L('驳回时请填写意见', 'Say why it is rejected') });
      await post(`/v1/contracts/${c.id}:review`, { etag: c.etag, approve, comment: v.comment });
      toast(approve ? L('已审批通过', 'Approved') : L('已驳回', 'Rejected'));
      onDone();
    });
  return (
    <Panel title={L('审批（鉴定）', 'Review')}>
      {executiveOnly ? (
        <div class="notice unavailable" role="status">
          {L('金额或折扣超出销售主管权限，需由高管审批。', 'The amount or discount is above a sales manager’s limit: an executive reviews it.')}
        </div>
      ) : (
        <form class="form narrow" onSubmit={(e) => e.preventDefault()}>
          <ErrorBox error={f.error} />
          <Field label={L('审批意见', 'Comment')} error={f.errors.comment} hint={L('驳回时必填', 'Required to reject')}>
            <textarea {...f.bind('comment')} maxLength={2000} />
          </Field>
          <div class="buttons">
            <button type="button" class="primary" disabled={f.busy} data-action="approve" onClick={review(true)}>
              {L('审批通过', 'Approve')}
            </button>
            <button type="button" class="danger" disabled={f.busy} data-action="reject" onClick={review(false)}>
              {L('驳回', 'Reject')}
            </button>
          </div>
        </form>
      )}
    </Panel>
  );
}

function SignPanel(props: {
  c: any;
  users: Map<string, any>;
  contacts: { data?: any[]; error: unknown; reload: () => void };
  onDone: () => void;
}) {
  const { c } = props;
  const list = props.contacts.data ?? [];
  const primary = list.find((x) => x.primary) ?? list[0];
  const f = useForm({ ourSignerId: myId(), customerSignerContactId: '', signDate: today() });
  const signer = f.values.customerSignerContactId || primary?.id || '';
  return (
    <Panel title={L('签署', 'Sign')}>
      {!list.length && props.contacts.data && can('customers.write') && (
        <NewContact customerId={c.customerId} onDone={props.contacts.reload} />
      )}
      <form
        class="form narrow"
        onSubmit={f.submit(async (v) => {
          if (!signer) throw invalid({ customerSignerContactId: L('请选择客户签署人', 'Choose the customer’s signer') });
          await post(`/v1/contracts/${c.id}:sign`, {
            etag: c.etag,
            signDate: toDate(v.signDate),
            ourSignerId: v.ourSignerId || undefined,
            customerSignerContactId: signer,
          });
          toast(L('合同已签署', 'Contract signed'));
          props.onDone();
        })}
      >
        <ErrorBox error={f.error || props.contacts.error} />
        <Field label={L('我方签署人', 'Our signer')} error={f.errors.ourSignerId}>
          <Select
            name="ourSignerId"
            value={f.values.ourSignerId}
            onChange={(v) => f.set('ourSignerId', v)}
            options={userOptions(props.users).length ? userOptions(props.users) : [[myId(), session.value?.displayName ?? '']]}
          />
        </Field>
        <Field label={L('客户签署人', 'Customer’s signer')} error={f.errors.customerSignerContactId}>
          <Select
            name="customerSignerContactId"
            value={signer}
            onChange={(v) => f.set('customerSignerContactId', v)}
            empty={list.length ? undefined : L('该客户还没有联系人', 'The customer has no contacts')}
            options={contactOptions(list)}
          />
        </Field>
        <Field label={L('签署日期', 'Sign date')} error={f.errors.signDate}>
          <input {...f.bind('signDate')} type="date" max={today()} />
        </Field>
        <FormButtons busy={f.busy} action="sign" label={L('签署', 'Sign')} />
      </form>
    </Panel>
  );
}

// A contact of the contract's customer added here when it has none to sign.
function NewContact({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ name: '', position: '', mobile: '' });
  return (
    <form
      class="form narrow sign-contact"
      data-form="contact"
      onSubmit={f.submit(async (v) => {
        await post('/v1/contacts', { requestId: rid, contact: { customerId, ...v } });
        toast(L('联系人已添加', 'Contact added'));
        onDone();
      })}
    >
      <p class="hint">{L('先为客户添加签署人：', 'First add the customer’s signer:')}</p>
      <ErrorBox error={f.error} />
      <Field label={L('姓名', 'Name')} error={f.errors.name}>
        <input {...f.bind('name')} required maxLength={100} />
      </Field>
      <Field label={L('职务', 'Position')} error={f.errors.position}>
        <input {...f.bind('position')} maxLength={100} />
      </Field>
      <Field label={L('手机', 'Mobile')} error={f.errors.mobile}>
        <input {...f.bind('mobile')} type="tel" />
      </Field>
      <div class="buttons">
        <button disabled={f.busy} data-action="add-contact">
          {L('添加联系人', 'Add the contact')}
        </button>
      </div>
    </form>
  );
}

function TerminatePanel({ c, onDone }: { c: any; onDone: () => void }) {
  const f = useForm({ reason: '' });
  return (
    <Panel title={L('终止合同', 'Terminate')}>
      <form
        class="form narrow"
        onSubmit={f.submit(async (v) => {
          if (!v.reason.trim()) throw invalid({ reason: L('请填写终止原因', 'Give the reason') });
          await post(`/v1/contracts/${c.id}:terminate`, { etag: c.etag, reason: v.reason });
          toast(L('合同已终止', 'Contract terminated'));
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('终止原因', 'Reason')} error={f.errors.reason}>
          <input {...f.bind('reason')} maxLength={2000} />
        </Field>
        <FormButtons busy={f.busy} action="terminate" label={L('终止合同', 'Terminate')} danger />
      </form>
    </Panel>
  );
}

// The electronic contract (电子版合同): upload a new version; every upload, newest first.
function FilesPanel(props: {
  c: any;
  files: { data?: any[]; error: unknown };
  canUpload: boolean;
  users: Map<string, any>;
  onDone: () => void;
}) {
  const { c } = props;
  const [file, setFile] = useState<File | null>(null);
  const [rid, setRid] = useState(requestId); // one per chosen file: a retry sends it again
  const [input, setInput] = useState(0); // a new key clears the file input
  const f = useForm({});
  return (
    <Panel title={L('电子版合同', 'Electronic contract')}>
      {props.canUpload && (
        <form
          class="form upload-form"
          onSubmit={f.submit(async () => {
            if (!file) throw invalid({ file: L('请选择文件', 'Choose a file') });
            await upload('/v1/contracts:uploadFile', file, { contractId: c.id }, rid);
            setFile(null);
            setInput((n) => n + 1);
            toast(L('已上传', 'Uploaded'));
            props.onDone();
          })}
        >
          <ErrorBox error={f.error} />
          <Field
            label={L('上传文件', 'Upload a file')}
            error={f.errors.file || f.errors.sizeBytes || f.errors.sha256}
            hint={L('PDF 或扫描件，最大 20 MB', 'A PDF or a scan, up to 20 MB')}
          >
            <input
              key={input}
              type="file"
              name="file"
              accept=".pdf,image/*,.doc,.docx"
              onChange={(e) => {
                setFile(e.currentTarget.files?.[0] ?? null);
                setRid(requestId());
              }}
            />
          </Field>
          <FormButtons busy={f.busy || !file} action="upload" label={f.busy ? L('上传中…', 'Uploading…') : L('上传', 'Upload')} />
        </form>
      )}
      <ErrorBox error={props.files.error} />
      <Table
        rows={props.files.data}
        rowKey={(x: any) => x.id}
        empty={L('尚未上传电子版合同', 'No electronic contract yet')}
        columns={[
          {
            label: L('文件', 'File'),
            render: (x: any) => (
              <span data-file={x.fileName}>
                {x.fileName} {x.id === c.file?.id && <Badge tone="ok">{L('当前', 'Current')}</Badge>}
              </span>
            ),
          },
          { label: L('大小', 'Size'), class: 'num', render: (x: any) => fileSize(x.sizeBytes) },
          { label: L('上传人', 'By'), render: (x: any) => nameOf(props.users, x.uploadedBy) },
          { label: L('时间', 'When'), render: (x: any) => dateTime(x.uploadTime) },
          { label: '', render: (x: any) => <DownloadButton contractId={c.id} fileId={x.id} /> },
        ]}
      />
    </Panel>
  );
}

export default function Contracts({ route }: { route: Route }) {
  const [, id, sub] = route.parts;
  if (!can(READ)) return <Page title={L('合同', 'Contracts')}>{null}</Page>;
  if (id === 'new') return <NewContract route={route} />;
  if (id && sub === 'edit') return <EditContract id={id} />;
  if (id) return <ContractPage id={id} key={id} />;
  return <ContractList route={route} />;
}
