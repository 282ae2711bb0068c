// Receivables (回款): the list with its totals, overdue installments for collection, and a
// receivable's page — the payment plan, payments and reversals, deliveries and collection notes.
// Routes: #/finance (?tab=overdue), #/finance/<contractId>.
import { useState } from 'preact/hooks';
import { get, post, requestId } from '../api';
import type { Query } from '../api';
import { CustomerName } from '../customer-names';
import { useDepartments } from '../departments';
import { date, dateTime, localToday, money, moneyValue, parseMoney, toDate } from '../format';
import type { Money } from '../format';
import { L } from '../i18n';
import { deliveryStatus, installmentStatus, optionsOf, RECEIVABLE_STATUS, receivableStatus } from '../labels';
import { userOptions, useUsers, who } from '../people';
import type { User } from '../people';
import { CustomerPicker } from '../pickers';
import type { CustomerRef } from '../pickers';
import { can } from '../session';
import {
  Badge,
  badgeOf,
  Check,
  DateInput,
  ErrorBox,
  Field,
  FoldingFilters,
  FormButtons,
  invalid,
  Link,
  Loading,
  MoreButton,
  navigate,
  Page,
  Panel,
  Select,
  Stat,
  Table,
  Tabs,
  toast,
  useAction,
  useForm,
  useLoad,
  usePagedList,
} from '../ui';
import type { Column, Route } from '../ui';

export default function Finance({ route }: { route: Route }) {
  const id = route.parts[1];
  if (id) return <ReceivablePage contractId={id} key={id} />;
  return <FinanceLists route={route} />;
}

// ---- shared bits ----

// Money in minor units (cents), for exact sums.
const cents = (m?: Money | null) => (m ? Number(m.units ?? 0) * 100 + Math.round((m.nanos ?? 0) / 1e7) : 0);
const fromCents = (c: number, currencyCode: string): Money => ({
  currencyCode,
  units: String(Math.trunc(c / 100)),
  nanos: (c % 100) * 1e7,
});
const amountText = (m?: Money | null) => (cents(m) / 100).toFixed(2);

// A day chosen in a date input → a timestamp: now for today, noon of that day otherwise.
function dayToTime(day: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return undefined;
  if (day === localToday()) return new Date().toISOString();
  return new Date(`${day}T12:00:00`).toISOString();
}

function OverdueBadge({ days }: { days?: number }) {
  return <Badge tone="bad">{days ? L(`逾期 ${days} 天`, `${days} days overdue`) : L('逾期', 'Overdue')}</Badge>;
}

const StatusBadge = badgeOf(receivableStatus, { RECEIVABLE_STATUS_SETTLED: 'ok', RECEIVABLE_STATUS_TERMINATED: 'warn' });
const InstallmentBadge = badgeOf(installmentStatus, { INSTALLMENT_STATUS_PAID: 'ok', INSTALLMENT_STATUS_PARTIALLY_PAID: 'warn' });
const DeliveryBadge = badgeOf(deliveryStatus, { DELIVERY_STATUS_ACCEPTED: 'ok' });

// Zero shows as ¥0.00 (the JSON mapping leaves zero amounts out).
const amount = (m?: Money | null, currencyCode = 'CNY') => money(m ?? { currencyCode });

function BalanceStats({ b, aging }: { b?: any; aging?: boolean }) {
  const c = b?.due?.currencyCode ?? 'CNY';
  return (
    <div class="stats" data-section="balance">
      <Stat label={L('应收', 'Due')}>{amount(b?.due, c)}</Stat>
      <Stat label={L('已收', 'Received')}>{amount(b?.received, c)}</Stat>
      <Stat label={L('未收', 'Outstanding')}>{amount(b?.outstanding, c)}</Stat>
      <Stat label={L('逾期', 'Overdue')} class={moneyValue(b?.overdue) > 0 ? 'overdue' : undefined}>
        {amount(b?.overdue, c)}
      </Stat>
      {aging && (
        <div class="stat aging">
          {L('逾期账龄', 'Overdue by age')}
          <small>
            1–30 {L('天', 'days')}：{amount(b?.overdue130Days, c)}
          </small>
          <small>
            31–60 {L('天', 'days')}：{amount(b?.overdue3160Days, c)}
          </small>
          <small>
            61–90 {L('天', 'days')}：{amount(b?.overdue6190Days, c)}
          </small>
          <small>
            &gt;90 {L('天', 'days')}：{amount(b?.overdueOver90Days, c)}
          </small>
        </div>
      )}
    </div>
  );
}

// ---- lists ----

interface Filters {
  status: string;
  customer?: CustomerRef;
  ownerId: string;
  departmentId: string;
  signedFrom: string;
  signedTo: string;
  overdueOnly: boolean;
}

const NO_FILTERS: Filters = { status: '', ownerId: '', departmentId: '', signedFrom: '', signedTo: '', overdueOnly: false };

function FinanceLists({ route }: { route: Route }) {
  const tab = route.query.get('tab') === 'overdue' ? 'overdue' : 'receivables';
  const users = useUsers();
  const departments = useDepartments();
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const set = (patch: Partial<Filters>) => setF((old) => ({ ...old, ...patch }));
  const owners = userOptions(users, ['account_manager', 'sales_manager']);
  return (
    <Page title={L('回款', 'Receivables')}>
      <Tabs
        tabs={[
          ['receivables', L('应收款', 'Receivables')],
          ['overdue', L('逾期分期', 'Overdue installments')],
        ]}
        active={tab}
        onChange={(id) => navigate(id === 'overdue' ? '/finance?tab=overdue' : '/finance')}
      />
      <FoldingFilters
        more={
          <>
            {owners.length > 0 && (
              <Select name="ownerId" value={f.ownerId} onChange={(v) => set({ ownerId: v })} empty={L('全部负责人', 'Any owner')} options={owners} />
            )}
            {departments.length > 0 && (
              <Select
                name="departmentId"
                value={f.departmentId}
                onChange={(v) => set({ departmentId: v })}
                empty={L('全部部门', 'Any department')}
                options={departments.map((d) => [d.id, d.name])}
              />
            )}
            {tab === 'receivables' && (
              <>
                <DateInput name="signedFrom" title={L('签署日期从', 'Signed from')} value={f.signedFrom} onChange={(v) => set({ signedFrom: v })} />
                <DateInput name="signedTo" title={L('签署日期至', 'Signed to')} value={f.signedTo} onChange={(v) => set({ signedTo: v })} />
              </>
            )}
          </>
        }
      >
        {tab === 'receivables' && (
          <Select
            name="status"
            value={f.status}
            onChange={(v) => set({ status: v })}
            empty={L('全部状态', 'Any status')}
            options={optionsOf('RECEIVABLE_STATUS_', RECEIVABLE_STATUS, receivableStatus)}
          />
        )}
        <CustomerPicker name="customerId" value={f.customer} onChange={(c) => set({ customer: c })} />
        {tab === 'receivables' && (
          <Check name="overdueOnly" checked={f.overdueOnly} onChange={(v) => set({ overdueOnly: v })}>
            {L('仅逾期', 'Overdue only')}
          </Check>
        )}
      </FoldingFilters>
      {tab === 'receivables' ? <ReceivableList f={f} users={users} /> : <OverdueList f={f} users={users} />}
    </Page>
  );
}

// The first columns of both lists: the contract (opening its receivable), its customer and owner.
const contractColumns = (users: Map<string, User>): Column<any>[] => [
  { label: L('合同', 'Contract'), class: 'nowrap', render: (x) => <Link to={`/finance/${x.contractId}`}>{x.contractNumber}</Link> },
  { label: L('客户', 'Customer'), render: (x) => <CustomerName id={x.customerId} /> },
  { label: L('负责人', 'Owner'), render: (x) => who(users, x.ownerId) },
];

function ReceivableList({ f, users }: { f: Filters; users: Map<string, User> }) {
  const q: Query = {
    status: f.status,
    customerId: f.customer?.id,
    ownerId: f.ownerId,
    departmentId: f.departmentId,
    signedFrom: f.signedFrom,
    signedTo: f.signedTo,
  };
  const deps = [f.status, f.customer?.id, f.ownerId, f.departmentId, f.signedFrom, f.signedTo];
  const summary = useLoad(() => get('/v1/receivables:summarize', q), deps);
  const list = usePagedList('/v1/receivables', 'receivables', { ...q, overdueOnly: f.overdueOnly || undefined });
  return (
    <>
      <ErrorBox error={summary.error} />
      {summary.data && <BalanceStats b={summary.data} aging />}
      <Panel class="list">
        <ErrorBox error={list.error} />
        <Table
          rows={list.rows}
          rowKey={(r: any) => r.contractId}
          onRow={(r: any) => navigate(`/finance/${r.contractId}`)}
          empty={L('没有符合条件的应收款', 'No receivables match')}
          columns={[
            ...contractColumns(users),
            { label: L('签署日期', 'Signed'), class: 'nowrap', render: (r: any) => date(r.signDate) },
            {
              label: L('状态', 'Status'),
              render: (r: any) => (
                <>
                  <StatusBadge value={r.status} /> {moneyValue(r.balance?.overdue) > 0 && <OverdueBadge />}
                </>
              ),
            },
            { label: L('应收', 'Due'), class: 'num', render: (r: any) => amount(r.balance?.due, r.currencyCode) },
            { label: L('已收', 'Received'), class: 'num', render: (r: any) => amount(r.balance?.received, r.currencyCode) },
            { label: L('未收', 'Outstanding'), class: 'num', render: (r: any) => amount(r.balance?.outstanding, r.currencyCode) },
            { label: L('逾期', 'Overdue'), class: 'num', render: (r: any) => amount(r.balance?.overdue, r.currencyCode) },
          ]}
        />
        <Loading loading={list.loading} />
        <MoreButton token={list.next} onMore={list.more} />
        {list.rows && <span data-ready="receivables" hidden />}
      </Panel>
    </>
  );
}

function OverdueList({ f, users }: { f: Filters; users: Map<string, User> }) {
  const list = usePagedList('/v1/overdueInstallments', 'installments', {
    customerId: f.customer?.id,
    ownerId: f.ownerId,
    departmentId: f.departmentId,
  });
  return (
    <Panel class="list">
      <ErrorBox error={list.error} />
      <Table
        rows={list.rows}
        onRow={(x: any) => navigate(`/finance/${x.contractId}`)}
        empty={L('没有逾期的分期', 'No overdue installments')}
        columns={[
          ...contractColumns(users),
          { label: L('期次', 'Installment'), class: 'num', render: (x: any) => x.installment?.number },
          { label: L('到期日', 'Due'), class: 'nowrap', render: (x: any) => date(x.installment?.dueDate) },
          { label: L('逾期', 'Late'), render: (x: any) => <OverdueBadge days={x.installment?.daysOverdue} /> },
          { label: L('未回款', 'Outstanding'), class: 'num', render: (x: any) => money(x.outstanding) },
          {
            label: L('最近催收', 'Last note'),
            render: (x: any) =>
              x.lastNote ? (
                <span>
                  {x.lastNote.result}
                  {x.lastNote.promisedDate?.year && (
                    <small class="muted">
                      {' '}
                      · {L('承诺', 'promised')} {date(x.lastNote.promisedDate)}
                    </small>
                  )}
                </span>
              ) : (
                ''
              ),
          },
        ]}
      />
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
      {list.rows && <span data-ready="overdue-installments" hidden />}
    </Panel>
  );
}

// ---- a receivable ----

function ReceivablePage({ contractId }: { contractId: string }) {
  const users = useUsers();
  const r = useLoad(() => get(`/v1/receivables/${contractId}`), [contractId]);
  const [version, setVersion] = useState(0);
  // After a change: the receivable again (its balance and plan) and the lists below.
  const changed = () => {
    r.reload();
    setVersion((v) => v + 1);
  };
  const rec = r.data;
  return (
    <Page
      title={rec?.contractNumber ?? L('应收款', 'Receivable')}
      actions={
        <>
          <Link to="/finance">{L('返回列表', 'Back to the list')}</Link>
          {rec && can('contracts.read') && <Link to={`/contracts/${contractId}`}>{L('查看合同', 'Contract')}</Link>}
        </>
      }
    >
      {r.error ? (
        <>
          <ErrorBox error={r.error} />
          <p class="hint">
            {L('合同签署后应收款会在片刻后生成。', 'A receivable appears shortly after its contract is signed.')}{' '}
            <button type="button" data-action="reload" onClick={r.reload}>
              {L('刷新', 'Reload')}
            </button>
          </p>
        </>
      ) : null}
      <Loading loading={r.loading && !rec} />
      {rec && (
        <>
          <Panel>
            <dl class="props">
              <dt>{L('客户', 'Customer')}</dt>
              <dd>
                {can('customers.read') ? (
                  <Link to={`/customers/${rec.customerId}`}>
                    <CustomerName id={rec.customerId} />
                  </Link>
                ) : (
                  <CustomerName id={rec.customerId} />
                )}
              </dd>
              <dt>{L('负责人', 'Owner')}</dt>
              <dd>{who(users, rec.ownerId)}</dd>
              <dt>{L('签署日期', 'Signed')}</dt>
              <dd>{date(rec.signDate)}</dd>
              <dt>{L('状态', 'Status')}</dt>
              <dd data-field="status">
                <StatusBadge value={rec.status} />
              </dd>
            </dl>
          </Panel>
          <BalanceStats b={rec.balance} />
          <PlanPanel rec={rec} onChanged={changed} />
          {can('payments.write') && rec.status === 'RECEIVABLE_STATUS_OPEN' && cents(rec.balance?.outstanding) > 0 && (
            <RecordPayment rec={rec} users={users} onChanged={changed} key={`pay-${rec.etag}-${version}`} />
          )}
          <PaymentsPanel rec={rec} users={users} version={version} onChanged={changed} />
          <DeliveriesPanel rec={rec} users={users} version={version} onChanged={changed} />
          <CollectionPanel rec={rec} users={users} version={version} onChanged={changed} />
          <span data-ready="receivable" hidden />
        </>
      )}
    </Page>
  );
}

// The plan: its installments, and (until the first payment) a new plan as a whole.
function PlanPanel({ rec, onChanged }: { rec: any; onChanged: () => void }) {
  const [editing, setEditing] = useState(false);
  const editable = can('payments.write') && rec.planEditable && rec.status === 'RECEIVABLE_STATUS_OPEN';
  return (
    <Panel
      title={L('回款计划', 'Payment plan')}
      actions={
        editable &&
        !editing && (
          <button type="button" data-action="edit-plan" onClick={() => setEditing(true)}>
            {L('调整计划', 'Change the plan')}
          </button>
        )
      }
    >
      <Table
        rows={rec.installments ?? []}
        rowKey={(i: any) => String(i.number)}
        empty={L('暂无回款计划', 'No plan yet')}
        columns={[
          { label: L('期次', 'No.'), class: 'num', render: (i: any) => i.number },
          { label: L('到期日', 'Due'), class: 'nowrap', render: (i: any) => date(i.dueDate) },
          { label: L('金额', 'Amount'), class: 'num', render: (i: any) => money(i.amount) },
          { label: L('已回款', 'Paid'), class: 'num', render: (i: any) => amount(i.paid, rec.currencyCode) },
          {
            label: L('状态', 'Status'),
            render: (i: any) => (
              <span data-installment={i.number}>
                <InstallmentBadge value={i.status} />{' '}
                {i.overdue && <OverdueBadge days={i.daysOverdue} />}
              </span>
            ),
          },
        ]}
      />
      {!rec.planEditable && rec.status === 'RECEIVABLE_STATUS_OPEN' && (
        <p class="hint">{L('已有回款记录，回款计划不能再调整。', 'Payments are recorded: the plan is fixed.')}</p>
      )}
      {editing && (
        <PlanEditor
          rec={rec}
          onDone={(saved) => {
            setEditing(false);
            if (saved) onChanged();
          }}
        />
      )}
    </Panel>
  );
}

interface PlanRow {
  dueDate: string;
  amount: string;
}

// "installments[1].due_date" → "due_date@1" (each row's errors beside its fields).
const planField = (path: string) => {
  const m = /^installments\[(\d+)\]\.(\w+)$/.exec(path);
  return m ? `${m[2]}@${m[1]}` : path.split('.').pop()!;
};

function PlanEditor({ rec, onDone }: { rec: any; onDone: (saved: boolean) => void }) {
  const start: PlanRow[] = (rec.installments ?? []).map((i: any) => ({ dueDate: date(i.dueDate), amount: amountText(i.amount) }));
  const f = useForm({ installments: start.length ? start : [{ dueDate: '', amount: amountText(rec.balance?.due) }] }, planField);
  const rows = f.values.installments;
  const setRow = (k: number, patch: Partial<PlanRow>) =>
    f.set(
      'installments',
      rows.map((row, j) => (j === k ? { ...row, ...patch } : row)),
    );
  const due = cents(rec.balance?.due);
  const total = rows.reduce((s, row) => s + (parseMoney(row.amount) ? cents(parseMoney(row.amount)) : 0), 0);
  // Splits the amount due evenly over the rows (the last takes the rounding).
  const spread = () => {
    const n = rows.length;
    const each = Math.floor(due / n);
    f.set(
      'installments',
      rows.map((row, j) => ({ ...row, amount: ((j === n - 1 ? due - each * (n - 1) : each) / 100).toFixed(2) })),
    );
  };
  return (
    <form
      class="plan-editor"
      onSubmit={f.submit(async (v) => {
        const bad: Record<string, string> = {};
        const installments = v.installments.map((row, k) => {
          const amount = parseMoney(row.amount, rec.currencyCode);
          if (!amount) bad[`installments[${k}].amount`] = L('请输入金额，最多两位小数', 'An amount with at most two decimals');
          if (!toDate(row.dueDate)) bad[`installments[${k}].due_date`] = L('请选择到期日', 'Choose a due date');
          return { dueDate: toDate(row.dueDate), amount };
        });
        if (Object.keys(bad).length) throw invalid(bad);
        await post(`/v1/receivables/${rec.contractId}:setPaymentPlan`, { etag: rec.etag, installments });
        toast(L('回款计划已保存', 'Plan saved'));
        onDone(true);
      })}
    >
      <ErrorBox error={f.error} />
      {f.errors.installments && (
        <div class="notice error" role="alert">
          {f.errors.installments}
        </div>
      )}
      {rows.map((row, k) => (
        <div class="plan-row" data-row={k + 1} key={k}>
          <span class="plan-no">{k + 1}</span>
          <Field label={L('到期日', 'Due date')} error={f.errors[`dueDate@${k}`]}>
            <input type="date" name="dueDate" value={row.dueDate} onInput={(e) => setRow(k, { dueDate: e.currentTarget.value })} />
          </Field>
          <Field label={L('金额', 'Amount')} error={f.errors[`amount@${k}`]}>
            <input name="amount" inputMode="decimal" value={row.amount} onInput={(e) => setRow(k, { amount: e.currentTarget.value })} />
          </Field>
          <button
            type="button"
            class="link danger"
            data-action="remove-installment"
            disabled={rows.length < 2}
            onClick={() =>
              f.set(
                'installments',
                rows.filter((_, j) => j !== k),
              )
            }
          >
            {L('删除', 'Remove')}
          </button>
        </div>
      ))}
      <p class={`hint${total !== due ? ' mismatch' : ''}`}>
        {L('合计', 'Total')} {money(fromCents(total, rec.currencyCode))} / {L('应收', 'due')} {money(rec.balance?.due)}
        {total !== due && ` · ${L('差额', 'difference')} ${money(fromCents(due - total, rec.currencyCode))}`}
      </p>
      <div class="buttons">
        <button
          type="button"
          data-action="add-installment"
          onClick={() => f.set('installments', [...rows, { dueDate: '', amount: '' }])}
        >
          {L('增加一期', 'Add an installment')}
        </button>
        <button type="button" data-action="spread" onClick={spread}>
          {L('平均分配', 'Split evenly')}
        </button>
        <button class="primary" data-action="set-plan" disabled={f.busy}>
          {L('保存计划', 'Save the plan')}
        </button>
        <button type="button" onClick={() => onDone(false)}>
          {L('取消', 'Cancel')}
        </button>
      </div>
    </form>
  );
}

function usePaymentMethods(): [string, string][] {
  const m = useLoad(() => get('/v1/paymentMethods'), []);
  return (m.data?.methods ?? []).map((x: any) => [x.code, x.name] as [string, string]);
}

// Money received: by default what is left of the oldest unpaid installment.
function RecordPayment({ rec, users, onChanged }: { rec: any; users: Map<string, User>; onChanged: () => void }) {
  const methods = usePaymentMethods();
  const next = (rec.installments ?? []).find((i: any) => i.status !== 'INSTALLMENT_STATUS_PAID');
  const suggested = next ? cents(next.amount) - cents(next.paid) : cents(rec.balance?.outstanding);
  const [rid, setRid] = useState(requestId);
  const f = useForm({
    method: '',
    amount: (Math.min(suggested, cents(rec.balance?.outstanding)) / 100).toFixed(2),
    receiveTime: localToday(),
    handlerId: '',
    bank: '',
    accountName: '',
    accountNumber: '',
    reference: '',
    note: '',
  });
  const method = f.values.method || methods[0]?.[0] || '';
  const handlers = userOptions(users);
  return (
    <Panel title={L('登记回款', 'Record a payment')}>
      <form
        class="form"
        onSubmit={f.submit(async (v) => {
          const amount = parseMoney(v.amount, rec.currencyCode);
          const receiveTime = dayToTime(v.receiveTime);
          const bad: Record<string, string> = {};
          if (!amount) bad['payment.amount'] = L('请输入金额，最多两位小数', 'An amount with at most two decimals');
          else if (cents(amount) > cents(rec.balance?.outstanding)) {
            bad['payment.amount'] = L('超过未收金额 ', 'More than the outstanding ') + money(rec.balance?.outstanding);
          }
          if (!receiveTime) bad['payment.receive_time'] = L('请选择到账日期', 'Choose the day it arrived');
          if (Object.keys(bad).length) throw invalid(bad);
          const payerAccount = v.bank || v.accountName || v.accountNumber ? { bank: v.bank, accountName: v.accountName, accountNumber: v.accountNumber } : undefined;
          await post('/v1/payments', {
            requestId: rid,
            payment: {
              contractId: rec.contractId,
              method,
              receiveTime,
              amount,
              handlerId: v.handlerId || undefined,
              payerAccount,
              reference: v.reference,
              note: v.note,
            },
          });
          setRid(requestId());
          toast(L('回款已登记', 'Payment recorded'));
          onChanged();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('金额', 'Amount')} error={f.errors.amount} hint={`${L('未收', 'Outstanding')} ${money(rec.balance?.outstanding)}`}>
          <input {...f.bind('amount')} inputMode="decimal" required />
        </Field>
        <Field label={L('到账日期', 'Received on')} error={f.errors.receiveTime}>
          <input {...f.bind('receiveTime')} type="date" max={localToday()} required />
        </Field>
        <Field label={L('付款方式', 'Method')} error={f.errors.method}>
          <Select name="method" value={method} onChange={(x) => f.set('method', x)} options={methods} />
        </Field>
        {handlers.length > 0 && (
          <Field label={L('经手人', 'Handled by')} error={f.errors.handlerId}>
            <Select name="handlerId" value={f.values.handlerId} onChange={(x) => f.set('handlerId', x)} empty={L('本人', 'Myself')} options={handlers} />
          </Field>
        )}
        <Field label={L('付款银行', 'Payer bank')} error={f.errors.bank}>
          <input {...f.bind('bank')} />
        </Field>
        <Field label={L('户名', 'Account name')} error={f.errors.accountName}>
          <input {...f.bind('accountName')} />
        </Field>
        <Field label={L('账号', 'Account number')} error={f.errors.accountNumber}>
          <input {...f.bind('accountNumber')} inputMode="numeric" />
        </Field>
        <Field label={L('流水号', 'Reference')} error={f.errors.reference}>
          <input {...f.bind('reference')} />
        </Field>
        <Field label={L('备注', 'Note')} error={f.errors.note} wide>
          <textarea {...f.bind('note')} />
        </Field>
        <FormButtons busy={f.busy || !method} action="record-payment" label={L('登记回款', 'Record the payment')} />
      </form>
    </Panel>
  );
}

function PaymentsPanel(props: { rec: any; users: Map<string, User>; version: number; onChanged: () => void }) {
  const { rec, users } = props;
  const methods = usePaymentMethods();
  const methodName = (code: string) => methods.find(([c]) => c === code)?.[1] ?? code;
  const list = usePagedList('/v1/payments', 'payments', { contractId: rec.contractId }, [props.version]);
  const [reversing, setReversing] = useState<any>(null);
  const mayReverse = (p: any) => can('payments.write') && p.kind === 'PAYMENT_KIND_PAYMENT' && !p.reversedByPaymentId;
  return (
    <Panel title={L('回款记录', 'Payments')}>
      <ErrorBox error={list.error} />
      <Table
        rows={list.rows}
        rowKey={(p: any) => p.id}
        empty={L('暂无回款记录', 'No payments yet')}
        columns={[
          { label: L('到账时间', 'Received'), render: (p: any) => dateTime(p.receiveTime) },
          {
            label: L('类型', 'Kind'),
            render: (p: any) =>
              p.kind === 'PAYMENT_KIND_REVERSAL' ? (
                <Badge tone="warn">{L('冲销', 'Reversal')}</Badge>
              ) : p.reversedByPaymentId ? (
                <Badge tone="warn">{L('已冲销', 'Reversed')}</Badge>
              ) : (
                <Badge tone="ok">{L('回款', 'Payment')}</Badge>
              ),
          },
          { label: L('金额', 'Amount'), class: 'num', render: (p: any) => money(p.amount) },
          { label: L('方式', 'Method'), render: (p: any) => methodName(p.method) },
          { label: L('经手人', 'Handled by'), render: (p: any) => who(users, p.handlerId) },
          {
            label: L('付款账户', 'Payer'),
            render: (p: any) => [p.payerAccount?.bank, p.payerAccount?.accountName, p.payerAccount?.accountNumber].filter(Boolean).join(' '),
          },
          { label: L('流水号/备注', 'Reference / note'), render: (p: any) => [p.reference, p.note].filter(Boolean).join(' · ') },
          {
            label: '',
            render: (p: any) =>
              mayReverse(p) && (
                <button type="button" class="link danger" data-action="reverse" onClick={() => setReversing(p)}>
                  {L('冲销', 'Reverse')}
                </button>
              ),
          },
        ]}
      />
      <Loading loading={list.loading} />
      <MoreButton token={list.next} onMore={list.more} />
      {reversing && (
        <ReverseForm
          payment={reversing}
          key={reversing.id}
          onDone={(saved) => {
            setReversing(null);
            if (saved) props.onChanged();
          }}
        />
      )}
    </Panel>
  );
}

function ReverseForm({ payment, onDone }: { payment: any; onDone: (saved: boolean) => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ reason: '' });
  return (
    <form
      class="form inline-form"
      onSubmit={f.submit(async (v) => {
        await post(`/v1/payments/${payment.id}:reverse`, { requestId: rid, reason: v.reason });
        toast(L('已冲销', 'Reversed'));
        onDone(true);
      })}
    >
      <p class="wide">
        {L('冲销这笔回款：', 'Reverse the payment of ')}
        <b>{money(payment.amount)}</b>（{dateTime(payment.receiveTime)}）
      </p>
      <ErrorBox error={f.error} />
      <Field label={L('冲销原因', 'Why')} error={f.errors.reason} wide>
        <textarea {...f.bind('reason')} required />
      </Field>
      <FormButtons busy={f.busy} action="confirm-reverse" label={L('确认冲销', 'Reverse it')} danger onCancel={() => onDone(false)} />
    </form>
  );
}

function DeliveriesPanel(props: { rec: any; users: Map<string, User>; version: number; onChanged: () => void }) {
  const { rec, users } = props;
  const list = useLoad(() => get('/v1/deliveries', { contractId: rec.contractId }), [rec.contractId, props.version]);
  const step = useAction();
  const writer = can('payments.deliveries.write') && rec.status !== 'RECEIVABLE_STATUS_TERMINATED';
  const lineName = (pos: number) => {
    const l = (rec.lines ?? []).find((x: any) => x.position === pos);
    return l ? `${pos}. ${l.productName}` : String(pos);
  };
  const advance = (d: any, verb: 'ship' | 'accept') =>
    step.run(async () => {
      await post(`/v1/deliveries/${d.id}:${verb}`, { etag: d.etag });
      toast(verb === 'ship' ? L('已发货', 'Shipped') : L('已验收', 'Accepted'));
      props.onChanged();
    }, d.id);
  const lines = rec.lines ?? [];
  return (
    <Panel title={L('交付情况', 'Deliveries')}>
      {lines.length > 0 && (
        <Table
          rows={lines}
          rowKey={(l: any) => String(l.position)}
          columns={[
            { label: L('合同行', 'Line'), render: (l: any) => `${l.position}. ${l.productName ?? ''}` },
            { label: L('数量', 'Quantity'), class: 'num', render: (l: any) => l.quantity ?? '0' },
            { label: L('已交付', 'Delivered'), class: 'num', render: (l: any) => l.deliveredQuantity ?? '0' },
            { label: L('已验收', 'Accepted'), class: 'num', render: (l: any) => l.acceptedQuantity ?? '0' },
          ]}
        />
      )}
      <h3 class="sub">{L('交付记录', 'Deliveries recorded')}</h3>
      <ErrorBox error={list.error || step.error} />
      <Table
        rows={list.data ? list.data.deliveries ?? [] : undefined}
        rowKey={(d: any) => d.id}
        empty={L('暂无交付记录', 'No deliveries yet')}
        columns={[
          { label: L('合同行', 'Line'), render: (d: any) => lineName(d.linePosition) },
          { label: L('数量', 'Quantity'), class: 'num', render: (d: any) => d.quantity },
          {
            label: L('状态', 'Status'),
            render: (d: any) => <DeliveryBadge value={d.status} />,
          },
          {
            label: L('经过', 'Steps'),
            render: (d: any) => (
              <small>
                {L('登记', 'Recorded')} {dateTime(d.createTime)} {who(users, d.createdBy)}
                {d.shipTime && ` · ${L('发货', 'shipped')} ${dateTime(d.shipTime)}`}
                {d.acceptTime && ` · ${L('验收', 'accepted')} ${dateTime(d.acceptTime)}`}
              </small>
            ),
          },
          { label: L('备注', 'Note'), render: (d: any) => d.note },
          {
            label: '',
            render: (d: any) =>
              writer &&
              (d.status === 'DELIVERY_STATUS_PENDING' ? (
                <button type="button" data-action="ship" disabled={step.busy === d.id} onClick={() => advance(d, 'ship')}>
                  {L('发货', 'Ship')}
                </button>
              ) : d.status === 'DELIVERY_STATUS_SHIPPED' ? (
                <button type="button" data-action="accept" disabled={step.busy === d.id} onClick={() => advance(d, 'accept')}>
                  {L('验收', 'Accept')}
                </button>
              ) : null),
          },
        ]}
      />
      {writer && lines.some((l: any) => Number(l.quantity ?? 0) > Number(l.deliveredQuantity ?? 0)) && (
        <DeliveryForm rec={rec} onChanged={props.onChanged} key={`d-${rec.etag}-${props.version}`} />
      )}
    </Panel>
  );
}

function DeliveryForm({ rec, onChanged }: { rec: any; onChanged: () => void }) {
  const open = (rec.lines ?? []).filter((l: any) => Number(l.quantity ?? 0) > Number(l.deliveredQuantity ?? 0));
  const left = (pos: string) => {
    const l = open.find((x: any) => String(x.position) === pos);
    return l ? Number(l.quantity ?? 0) - Number(l.deliveredQuantity ?? 0) : 0;
  };
  const first = String(open[0]?.position ?? '');
  const [rid] = useState(requestId);
  const f = useForm({ linePosition: first, quantity: String(left(first)), note: '' });
  return (
    <form
      class="form sub-form"
      onSubmit={f.submit(async (v) => {
        await post('/v1/deliveries', {
          requestId: rid,
          delivery: { contractId: rec.contractId, linePosition: Number(v.linePosition), quantity: v.quantity, note: v.note },
        });
        toast(L('交付已登记', 'Delivery recorded'));
        onChanged();
      })}
    >
      <ErrorBox error={f.error} />
      <Field label={L('合同行', 'Line')} error={f.errors.linePosition}>
        <Select
          name="linePosition"
          value={f.values.linePosition}
          onChange={(x) => {
            f.set('linePosition', x);
            f.set('quantity', String(left(x)));
          }}
          options={open.map((l: any) => [String(l.position), `${l.position}. ${l.productName ?? ''}`])}
        />
      </Field>
      <Field label={L('数量', 'Quantity')} error={f.errors.quantity} hint={`${L('未交付', 'Undelivered')} ${left(f.values.linePosition)}`}>
        <input {...f.bind('quantity')} type="number" min="1" max={left(f.values.linePosition)} required />
      </Field>
      <Field label={L('备注', 'Note')} error={f.errors.note}>
        <input {...f.bind('note')} />
      </Field>
      <FormButtons busy={f.busy} action="create-delivery" label={L('登记交付', 'Record a delivery')} />
    </form>
  );
}

function CollectionPanel(props: { rec: any; users: Map<string, User>; version: number; onChanged: () => void }) {
  const { rec, users } = props;
  const notes = useLoad(() => get('/v1/collectionNotes', { contractId: rec.contractId }), [rec.contractId, props.version]);
  const overdue = (rec.installments ?? []).filter((i: any) => i.overdue);
  const mayAdd = can('payments.collect') && rec.status === 'RECEIVABLE_STATUS_OPEN' && overdue.length > 0;
  return (
    <Panel title={L('催收记录', 'Collection notes')}>
      <ErrorBox error={notes.error} />
      <Table
        rows={notes.data ? notes.data.notes ?? [] : undefined}
        rowKey={(n: any) => n.id}
        empty={L('暂无催收记录', 'No collection notes')}
        columns={[
          { label: L('时间', 'When'), render: (n: any) => dateTime(n.createTime) },
          { label: L('期次', 'Installment'), class: 'num', render: (n: any) => n.installmentNumber },
          { label: L('催收结果', 'Result'), render: (n: any) => n.result },
          { label: L('承诺付款日', 'Promised'), render: (n: any) => date(n.promisedDate) },
          { label: L('记录人', 'By'), render: (n: any) => who(users, n.authorId) },
        ]}
      />
      {mayAdd && <NoteForm rec={rec} overdue={overdue} onChanged={props.onChanged} key={`n-${rec.etag}-${props.version}`} />}
    </Panel>
  );
}

function NoteForm({ rec, overdue, onChanged }: { rec: any; overdue: any[]; onChanged: () => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ installmentNumber: String(overdue[0].number), result: '', promisedDate: '' });
  return (
    <form
      class="form sub-form"
      onSubmit={f.submit(async (v) => {
        await post('/v1/collectionNotes', {
          requestId: rid,
          note: {
            contractId: rec.contractId,
            installmentNumber: Number(v.installmentNumber),
            result: v.result,
            promisedDate: toDate(v.promisedDate),
          },
        });
        toast(L('催收记录已添加', 'Note added'));
        onChanged();
      })}
    >
      <ErrorBox error={f.error} />
      <Field label={L('逾期期次', 'Overdue installment')} error={f.errors.installmentNumber}>
        <Select
          name="installmentNumber"
          value={f.values.installmentNumber}
          onChange={(x) => f.set('installmentNumber', x)}
          options={overdue.map((i) => [String(i.number), `${i.number} · ${date(i.dueDate)} · ${money(fromCents(cents(i.amount) - cents(i.paid), rec.currencyCode))}`])}
        />
      </Field>
      <Field label={L('承诺付款日', 'Promised date')} error={f.errors.promisedDate}>
        <input {...f.bind('promisedDate')} type="date" min={localToday()} />
      </Field>
      <Field label={L('催收结果', 'Result')} error={f.errors.result} wide>
        <textarea {...f.bind('result')} required />
      </Field>
      <FormButtons busy={f.busy} action="add-note" label={L('添加催收记录', 'Add the note')} />
    </form>
  );
}
