// Sales opportunities (商机): a list or a board by status, a new one for a customer or a
// prospect, and one opportunity's page: assignment to a rep, stage changes, the development
// plan and its execution, the outcome (won / terminated), its contracts and its stage history.
import { useState } from 'preact/hooks';
import { ApiError, Code, get, patchChanged, post, requestId } from '../api';
import { CustomerLink, customerName, useCustomerNames } from '../customer-names';
import { date, dateTime, money, moneyText, parseMoney, toDate, today } from '../format';
import { L } from '../i18n';
import { contractStatus, OPPORTUNITY_STATUS, opportunityStatus, optionsOf } from '../labels';
import { meFirst, nameOf, userOptions, useUsers } from '../people';
import { CustomerPicker } from '../pickers';
import type { CustomerRef } from '../pickers';
import { can, myId } from '../session';
import {
  Badge,
  badgeOf,
  Check,
  EditPage,
  ErrorBox,
  errorText,
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
  Table,
  Tabs,
  toast,
  useForm,
  useLoad,
  usePagedList,
} from '../ui';
import type { Route } from '../ui';

const READ = 'pipeline.opportunities.read';
const CREATE = 'pipeline.opportunities.create';
const WRITE = 'pipeline.opportunities.write';
const ASSIGN = 'pipeline.opportunities.assign';

// ---- helpers ----

interface Stage {
  code: string;
  name: string;
  position?: number;
  defaultProbability?: number;
  active?: boolean;
}

function useStages() {
  return useLoad<Stage[]>(async () => (await get('/v1/stages')).stages ?? [], []);
}

const stageName = (stages: Stage[] | undefined, code?: string) =>
  stages?.find((s) => s.code === code)?.name ?? code ?? '';

const StatusBadge = badgeOf(opportunityStatus, {
  OPPORTUNITY_STATUS_UNASSIGNED: 'warn',
  OPPORTUNITY_STATUS_WON: 'ok',
  OPPORTUNITY_STATUS_LOST: 'bad',
});

const isOpen = (o: any) => o.status !== 'OPPORTUNITY_STATUS_WON' && o.status !== 'OPPORTUNITY_STATUS_LOST';

// Who the opportunity is with: its customer, or the prospect's name.
function Who({ o, names }: { o: any; names: Map<string, string> }) {
  if (o.customerId) return <CustomerLink id={o.customerId} names={names} />;
  return (
    <>
      {o.prospectName} <Badge tone="warn">{L('潜在客户', 'Prospect')}</Badge>
    </>
  );
}

// ---- the list and the board ----

function OpportunityList({ route }: { route: Route }) {
  const users = useUsers();
  const stages = useStages();
  const status = route.query.get('status') ?? '';
  const assigneeId = route.query.get('assigneeId') ?? '';
  const view = route.query.get('view') === 'board' ? 'board' : 'list';
  const go = (changes: Record<string, string>) => {
    const q = new URLSearchParams(route.query);
    for (const [k, v] of Object.entries(changes)) {
      if (v) q.set(k, v);
      else q.delete(k);
    }
    const s = q.toString();
    navigate(`/opportunities${s ? `?${s}` : ''}`);
  };
  const list = usePagedList('/v1/opportunities', 'opportunities', { status, assigneeId });
  const names = useCustomerNames((list.rows ?? []).map((o) => o.customerId));
  const assignees = meFirst(L('我负责的', 'Mine'), userOptions(users));
  return (
    <Page
      title={L('商机', 'Opportunities')}
      actions={can(CREATE) && <Link to="/opportunities/new">{L('新建商机', 'New opportunity')}</Link>}
    >
      <Tabs
        tabs={[
          ['list', L('列表', 'List')],
          ['board', L('看板', 'Board')],
        ]}
        active={view}
        onChange={(id) => go({ view: id === 'board' ? 'board' : '' })}
      />
      <div class="filters">
        <Select
          name="status"
          value={status}
          onChange={(v) => go({ status: v })}
          empty={L('全部状态', 'Any status')}
          options={optionsOf('OPPORTUNITY_STATUS_', OPPORTUNITY_STATUS, opportunityStatus)}
        />
        <Select
          name="assigneeId"
          value={assigneeId}
          onChange={(v) => go({ assigneeId: v })}
          empty={L('全部负责人', 'Anyone')}
          options={assignees}
        />
      </div>
      <ErrorBox error={list.error} />
      <Loading loading={list.loading && !list.rows} />
      {view === 'board' ? (
        <Board rows={list.rows ?? []} status={status} names={names} users={users} stages={stages.data} />
      ) : (
        <Table
          rows={list.rows}
          rowKey={(o: any) => o.id}
          onRow={(o: any) => navigate(`/opportunities/${o.id}`)}
          empty={L('没有符合条件的商机', 'No opportunities match')}
          columns={[
            { label: L('概要', 'Summary'), render: (o: any) => <Link to={`/opportunities/${o.id}`}>{o.summary}</Link> },
            { label: L('客户', 'Customer'), render: (o: any) => <Who o={o} names={names} /> },
            { label: L('状态', 'Status'), render: (o: any) => <StatusBadge value={o.status} /> },
            { label: L('阶段', 'Stage'), render: (o: any) => stageName(stages.data, o.stage) },
            { label: L('预计金额', 'Expected'), class: 'num', render: (o: any) => money(o.expectedAmount) },
            { label: L('成功几率', 'Chance'), class: 'num', render: (o: any) => `${o.probability ?? 0}%` },
            { label: L('预计成交', 'Close by'), class: 'nowrap', render: (o: any) => date(o.expectedCloseDate) },
            { label: L('负责人', 'Assignee'), render: (o: any) => nameOf(users, o.assigneeId) },
          ]}
        />
      )}
      <MoreButton token={list.next} onMore={list.more} />
      {list.rows && <span data-ready="opportunities" hidden />}
    </Page>
  );
}

function Board(props: {
  rows: any[];
  status: string;
  names: Map<string, string>;
  users: Map<string, any>;
  stages?: Stage[];
}) {
  const columns = Object.keys(OPPORTUNITY_STATUS)
    .map((k) => `OPPORTUNITY_STATUS_${k}`)
    .filter((s) => !props.status || s === props.status);
  return (
    <div class="board by-status">
      {columns.map((s) => {
        const cards = props.rows.filter((o) => o.status === s);
        return (
          <section class="column" data-status={s} key={s}>
            <h2 class="column-head">
              {opportunityStatus(s)} <small>{cards.length}</small>
            </h2>
            {cards.map((o) => (
              <div class="card clickable" key={o.id} onClick={() => navigate(`/opportunities/${o.id}`)}>
                <Link to={`/opportunities/${o.id}`}>{o.summary}</Link>
                <div class="card-meta">
                  <Who o={o} names={props.names} />
                </div>
                <div class="card-meta">
                  {money(o.expectedAmount)} · {o.probability ?? 0}% · {stageName(props.stages, o.stage)}
                </div>
                {o.assigneeId && <div class="card-meta">{nameOf(props.users, o.assigneeId)}</div>}
              </div>
            ))}
          </section>
        );
      })}
    </div>
  );
}

// ---- a new opportunity, or changes to an open one ----

const EDITABLE = [
  'source',
  'prospectName',
  'summary',
  'contactName',
  'contactPhone',
  'probability',
  'expectedAmount',
  'expectedCloseDate',
  'description',
] as const;

function OpportunityForm({ current, customerId }: { current?: any; customerId?: string }) {
  const stages = useStages();
  const [customer, setCustomer] = useState<CustomerRef | undefined>();
  // For a customer named in the address (#/opportunities/new?customer=<id>).
  const given = useLoad(async () => {
    if (customerId) setCustomer({ id: customerId, name: await customerName(customerId) });
  }, [customerId]);
  const [rid] = useState(requestId);
  const initial = {
    summary: current?.summary ?? '',
    prospectName: current?.prospectName ?? '',
    source: current?.source ?? '',
    contactName: current?.contactName ?? '',
    contactPhone: current?.contactPhone ?? '',
    probability: current?.probability ? String(current.probability) : '',
    expectedAmount: moneyText(current?.expectedAmount),
    expectedCloseDate: date(current?.expectedCloseDate),
    stage: '',
    description: current?.description ?? '',
  };
  const f = useForm(initial);
  const fields = (v: typeof initial): Record<string, unknown> => {
    const amount = v.expectedAmount.trim() ? parseMoney(v.expectedAmount) : null;
    if (v.expectedAmount.trim() && !amount) {
      throw invalid({ expectedAmount: L('请输入金额，最多两位小数', 'Enter an amount with at most two decimals') });
    }
    // Empty: the stage's default on create; unchanged on edit.
    const probability = v.probability.trim() ? Number(v.probability) : (current?.probability ?? 0);
    if (!Number.isInteger(probability) || probability < 0 || probability > 100) {
      throw invalid({ probability: L('请输入 0 到 100 的整数', 'Enter a whole number from 0 to 100') });
    }
    return {
      summary: v.summary,
      prospectName: v.prospectName,
      source: v.source,
      contactName: v.contactName,
      contactPhone: v.contactPhone,
      probability,
      expectedAmount: amount ?? undefined,
      expectedCloseDate: toDate(v.expectedCloseDate),
      description: v.description,
    };
  };
  const save = f.submit(async (v) => {
    const o = fields(v);
    if (!current) {
      if (!customer && !v.prospectName.trim()) {
        throw invalid({ prospectName: L('请选择客户或填写潜在客户名称', 'Choose a customer or name the prospect') });
      }
      const created = await post('/v1/opportunities', {
        requestId: rid,
        opportunity: { ...o, customerId: customer?.id, stage: v.stage || undefined },
      });
      toast(L('商机已创建', 'Opportunity created'));
      navigate(`/opportunities/${created.id}`);
      return;
    }
    if (await patchChanged(`/v1/opportunities/${current.id}`, 'opportunity', current, o, fields(initial), EDITABLE)) {
      toast(L('已保存', 'Saved'));
    }
    navigate(`/opportunities/${current.id}`);
  });
  const errors = f.errors;
  return (
    <form class="panel form" onSubmit={save} data-form="opportunity">
      <ErrorBox error={f.error} />
      <Field label={L('概要', 'Summary')} error={errors.summary} wide>
        <input {...f.bind('summary')} required maxLength={200} />
      </Field>
      {!current && (
        <Field
          label={L('客户', 'Customer')}
          error={errors.customerId}
          hint={L('已有客户请搜索选择；新客户请填写潜在客户名称', 'Search an existing customer, or name a prospect')}
        >
          <CustomerPicker name="customerId" value={customer} onChange={setCustomer} loading={given.loading && !!customerId} />
        </Field>
      )}
      {(!current || !current.customerId) && (
        <Field label={L('潜在客户名称', 'Prospect name')} error={errors.prospectName}>
          <input {...f.bind('prospectName')} maxLength={200} disabled={!!customer} />
        </Field>
      )}
      <Field label={L('来源', 'Source')} error={errors.source} hint={L('如：展会、转介绍、官网', 'e.g. exhibition, referral, website')}>
        <input {...f.bind('source')} maxLength={50} />
      </Field>
      <Field label={L('联系人', 'Contact')} error={errors.contactName}>
        <input {...f.bind('contactName')} maxLength={100} />
      </Field>
      <Field label={L('联系电话', 'Contact phone')} error={errors.contactPhone}>
        <input {...f.bind('contactPhone')} type="tel" />
      </Field>
      <Field label={L('预计金额（元）', 'Expected amount (CNY)')} error={errors.expectedAmount}>
        <input {...f.bind('expectedAmount')} inputMode="decimal" />
      </Field>
      <Field label={L('预计成交日期', 'Expected close date')} error={errors.expectedCloseDate}>
        <input {...f.bind('expectedCloseDate')} type="date" min={current ? undefined : today()} />
      </Field>
      <Field
        label={L('成功几率（%）', 'Chance of success (%)')}
        error={errors.probability}
        hint={current ? undefined : L('留空则取阶段默认值', 'Empty: the stage’s default')}
      >
        <input {...f.bind('probability')} type="number" min={0} max={100} step={1} />
      </Field>
      {!current && (
        <Field label={L('阶段', 'Stage')} error={errors.stage}>
          <Select
            name="stage"
            value={f.values.stage}
            onChange={(v) => f.set('stage', v)}
            empty={L('第一个阶段', 'The first stage')}
            options={(stages.data ?? []).filter((s) => s.active).map((s) => [s.code, s.name])}
          />
        </Field>
      )}
      <Field label={L('说明', 'Description')} error={errors.description} wide>
        <textarea {...f.bind('description')} />
      </Field>
      <FormButtons
        busy={f.busy}
        action={current ? 'save' : 'create'}
        label={current ? L('保存', 'Save') : L('创建商机', 'Create')}
        onCancel={() => history.back()}
      />
    </form>
  );
}

function NewOpportunity({ route }: { route: Route }) {
  const customerId = route.query.get('customer') ?? undefined;
  return (
    <Page title={L('新建商机', 'New opportunity')}>
      <OpportunityForm customerId={customerId} key={customerId ?? ''} />
    </Page>
  );
}

function EditOpportunity({ id }: { id: string }) {
  return (
    <EditPage
      path={`/v1/opportunities/${id}`}
      name={(o) => o.summary}
      pending={L('编辑商机', 'Edit opportunity')}
      form={(o) => <OpportunityForm current={o} key={o.etag} />}
    />
  );
}

// ---- one opportunity ----

function OpportunityPage({ id }: { id: string }) {
  const users = useUsers();
  const stages = useStages();
  const opp = useLoad(() => get(`/v1/opportunities/${id}`), [id]);
  const plan = useLoad<any[]>(async () => (await get('/v1/planItems', { opportunityId: id })).items ?? [], [id]);
  const changes = useLoad<any[]>(
    async () => (await get(`/v1/opportunities/${id}/stageChanges`)).changes ?? [],
    [id],
  );
  const o = opp.data;
  const names = useCustomerNames([o?.customerId]);
  const reload = () => {
    opp.reload();
    plan.reload();
    changes.reload();
  };
  if (!o) return <Pending title={L('商机', 'Opportunity')} loaded={opp} />;
  const me = myId();
  const manager = can(ASSIGN);
  const open = isOpen(o);
  const mine = o.assigneeId === me;
  const owner = o.status === 'OPPORTUNITY_STATUS_UNASSIGNED' ? o.creatorId === me : mine;
  const canEdit = open && can(WRITE) && (owner || manager);
  const canAssign =
    manager && (o.status === 'OPPORTUNITY_STATUS_UNASSIGNED' || o.status === 'OPPORTUNITY_STATUS_ASSIGNED');
  const canStage = open && can(WRITE) && (owner || manager);
  const canPlan = open && can(WRITE) && mine;
  const canWin = o.status === 'OPPORTUNITY_STATUS_DEVELOPING' && can(WRITE) && mine;
  const underway = o.status === 'OPPORTUNITY_STATUS_ASSIGNED' || o.status === 'OPPORTUNITY_STATUS_DEVELOPING';
  const canTerminate = underway && can(WRITE) && (mine || manager);
  const won = o.status === 'OPPORTUNITY_STATUS_WON';
  return (
    <Page
      title={o.summary}
      actions={
        <>
          {canEdit && <Link to={`/opportunities/${id}/edit`}>{L('编辑', 'Edit')}</Link>}
          {won && can('contracts.write') && (
            <button
              type="button"
              class="primary"
              data-action="create-contract"
              onClick={() => navigate(`/contracts/new?opportunity=${id}`)}
            >
              {L('创建合同', 'Create a contract')}
            </button>
          )}
        </>
      }
    >
      <div class="record-badges">
        <StatusBadge value={o.status} />
        <Badge>{stageName(stages.data, o.stage)}</Badge>
        <span class="hint">
          {L('成功几率', 'Chance')} {o.probability ?? 0}%
        </span>
      </div>
      <div class="grid">
        <Panel title={L('商机信息', 'Details')}>
          <dl class="props">
            <dt>{o.customerId ? L('客户', 'Customer') : L('潜在客户', 'Prospect')}</dt>
            <dd>
              <Who o={o} names={names} />
            </dd>
            <dt>{L('联系人', 'Contact')}</dt>
            <dd>
              {o.contactName} {o.contactPhone}
            </dd>
            <dt>{L('预计金额', 'Expected amount')}</dt>
            <dd>{money(o.expectedAmount)}</dd>
            <dt>{L('预计成交', 'Close by')}</dt>
            <dd>{date(o.expectedCloseDate)}</dd>
            <dt>{L('来源', 'Source')}</dt>
            <dd>{o.source}</dd>
            <dt>{L('创建人', 'Created by')}</dt>
            <dd>
              {nameOf(users, o.creatorId)} · {dateTime(o.createTime)}
            </dd>
            <dt>{L('负责人', 'Assignee')}</dt>
            <dd data-field="assignee">
              {o.assigneeId ? (
                <>
                  {nameOf(users, o.assigneeId)}
                  {o.assignedBy && (
                    <small class="hint">
                      {' '}
                      （{L('由', 'by')} {nameOf(users, o.assignedBy)} {L('指派于', 'on')} {dateTime(o.assignTime)}）
                    </small>
                  )}
                </>
              ) : (
                L('未指派', 'Unassigned')
              )}
            </dd>
            {o.closeTime && (
              <>
                <dt>{L('结束时间', 'Closed')}</dt>
                <dd>{dateTime(o.closeTime)}</dd>
              </>
            )}
            {o.lostReason && (
              <>
                <dt>{L('终止原因', 'Why terminated')}</dt>
                <dd>{o.lostReason}</dd>
              </>
            )}
            {o.description && (
              <>
                <dt>{L('说明', 'Description')}</dt>
                <dd class="pre">{o.description}</dd>
              </>
            )}
          </dl>
        </Panel>
        {canAssign && <AssignPanel o={o} users={users} onDone={reload} />}
        {canStage && <StagePanel o={o} stages={stages.data ?? []} onDone={reload} />}
        {(canWin || canTerminate) && <OutcomePanel o={o} canWin={canWin} canTerminate={canTerminate} onDone={reload} />}
        {(o.contracts ?? []).length > 0 && (
          <Panel title={L('合同', 'Contracts')}>
            <Table
              rows={o.contracts}
              onRow={(c: any) => navigate(`/contracts/${c.contractId}`)}
              columns={[
                { label: L('编号', 'Number'), render: (c: any) => <Link to={`/contracts/${c.contractId}`}>{c.number}</Link> },
                { label: L('状态', 'Status'), render: (c: any) => contractStatus(`CONTRACT_STATUS_${(c.status ?? '').toUpperCase()}`) },
                { label: L('金额', 'Amount'), class: 'num', render: (c: any) => money(c.amount) },
              ]}
            />
          </Panel>
        )}
      </div>
      <Panel title={L('开发计划', 'Development plan')}>
        <ErrorBox error={plan.error} />
        <Table
          rows={plan.data}
          rowKey={(p: any) => p.id}
          empty={L('还没有计划', 'No plan yet')}
          columns={[
            { label: L('日期', 'Date'), render: (p: any) => date(p.planDate) },
            { label: L('计划内容', 'Plan'), render: (p: any) => <span class="pre">{p.content}</span> },
            {
              label: L('执行结果', 'Result'),
              render: (p: any) => <PlanResult item={p} canExecute={mine && can(WRITE) && isOpen(o)} onDone={reload} />,
            },
          ]}
        />
        {canPlan && <NewPlanItem opportunityId={id} onDone={reload} />}
      </Panel>
      <Panel title={L('阶段历史', 'Stage history')}>
        <ErrorBox error={changes.error} />
        <Table
          rows={changes.data}
          empty={L('暂无记录', 'Nothing yet')}
          columns={[
            { label: L('时间', 'When'), render: (c: any) => dateTime(c.changeTime) },
            {
              label: L('阶段', 'Stage'),
              render: (c: any) =>
                c.fromStage
                  ? `${stageName(stages.data, c.fromStage)} → ${stageName(stages.data, c.toStage)}`
                  : stageName(stages.data, c.toStage),
            },
            { label: L('成功几率', 'Chance'), class: 'num', render: (c: any) => `${c.probability ?? 0}%` },
            { label: L('操作人', 'By'), render: (c: any) => nameOf(users, c.changedBy) },
          ]}
        />
      </Panel>
      <span data-ready="opportunity" data-status={o.status} hidden />
    </Page>
  );
}

function AssignPanel({ o, users, onDone }: { o: any; users: Map<string, any>; onDone: () => void }) {
  const f = useForm({ assigneeId: o.assigneeId ?? '' });
  const options = userOptions(users, ['account_manager', 'sales_manager']);
  return (
    <Panel title={L('指派', 'Assign')}>
      <form
        class="form narrow"
        onSubmit={f.submit(async (v) => {
          if (!v.assigneeId) throw invalid({ assigneeId: L('请选择负责人', 'Choose someone') });
          await post(`/v1/opportunities/${o.id}:assign`, { etag: o.etag, assigneeId: v.assigneeId });
          toast(L('已指派', 'Assigned'));
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('客户经理', 'Account manager')} error={f.errors.assigneeId}>
          <Select
            name="assigneeId"
            value={f.values.assigneeId}
            onChange={(v) => f.set('assigneeId', v)}
            empty={L('请选择', 'Choose')}
            options={options}
          />
        </Field>
        <FormButtons busy={f.busy} action="assign" label={o.assigneeId ? L('改派', 'Reassign') : L('指派', 'Assign')} />
      </form>
    </Panel>
  );
}

function StagePanel({ o, stages, onDone }: { o: any; stages: Stage[]; onDone: () => void }) {
  const f = useForm({ stage: o.stage ?? '', probability: '' });
  return (
    <Panel title={L('阶段', 'Stage')}>
      <form
        class="form narrow"
        onSubmit={f.submit(async (v) => {
          const probability = v.probability.trim() ? Number(v.probability) : 0;
          if (!Number.isInteger(probability) || probability < 0 || probability > 100) {
            throw invalid({ probability: L('请输入 0 到 100 的整数', 'Enter a whole number from 0 to 100') });
          }
          await post(`/v1/opportunities/${o.id}:changeStage`, { etag: o.etag, stage: v.stage, probability });
          toast(L('阶段已更新', 'Stage changed'));
          f.set('probability', '');
          onDone();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('阶段', 'Stage')} error={f.errors.stage}>
          <Select
            name="stage"
            value={f.values.stage}
            onChange={(v) => f.set('stage', v)}
            options={stages
              .filter((s) => s.active || s.code === o.stage)
              .map((s) => [s.code, `${s.name}（${s.defaultProbability ?? 0}%）`])}
          />
        </Field>
        <Field
          label={L('成功几率（%）', 'Chance of success (%)')}
          error={f.errors.probability}
          hint={L('留空则取阶段默认值', 'Empty: the stage’s default')}
        >
          <input {...f.bind('probability')} type="number" min={1} max={100} step={1} />
        </Field>
        <FormButtons busy={f.busy} action="change-stage" label={L('更新阶段', 'Change stage')} />
      </form>
    </Panel>
  );
}

// 开发成功 (linking or creating the customer) and 终止开发 (with a reason).
function OutcomePanel(props: { o: any; canWin: boolean; canTerminate: boolean; onDone: () => void }) {
  const { o } = props;
  const [customer, setCustomer] = useState<CustomerRef | undefined>();
  const win = useForm({ customerId: '', forceNewCustomer: false });
  const end = useForm({ reason: '' });
  const duplicate = win.error instanceof ApiError && win.error.code === Code.ALREADY_EXISTS;
  return (
    <Panel title={L('开发结果', 'Outcome')}>
      {props.canWin && (
        <form
          class="form narrow"
          onSubmit={win.submit(async (v) => {
            await post(`/v1/opportunities/${o.id}:markDevelopmentSucceeded`, {
              etag: o.etag,
              customerId: customer?.id,
              forceNewCustomer: v.forceNewCustomer,
            });
            toast(L('开发成功', 'Marked won'));
            props.onDone();
          })}
        >
          <ErrorBox error={win.error} />
          {!o.customerId && (
            <>
              <Field
                label={L('关联已有客户', 'Link an existing customer')}
                error={win.errors.customerId}
                hint={L('留空则按潜在客户新建客户', 'Empty: a customer is created from the prospect')}
              >
                <CustomerPicker name="customerId" value={customer} onChange={setCustomer} />
              </Field>
              {duplicate && (
                <Check name="forceNewCustomer" checked={win.values.forceNewCustomer} onChange={(v) => win.set('forceNewCustomer', v)}>
                  {L('仍然新建客户', 'Create the customer anyway')}
                </Check>
              )}
            </>
          )}
          <FormButtons busy={win.busy} action="win" label={L('开发成功', 'Mark won')} />
        </form>
      )}
      {props.canTerminate && (
        <form
          class="form narrow"
          onSubmit={end.submit(async (v) => {
            if (!v.reason.trim()) throw invalid({ reason: L('请填写终止原因', 'Give the reason') });
            await post(`/v1/opportunities/${o.id}:terminateDevelopment`, { etag: o.etag, reason: v.reason });
            toast(L('已终止开发', 'Development terminated'));
            props.onDone();
          })}
        >
          <ErrorBox error={end.error} />
          <Field label={L('终止原因', 'Reason to terminate')} error={end.errors.reason}>
            <input {...end.bind('reason')} maxLength={2000} />
          </Field>
          <FormButtons busy={end.busy} action="terminate" label={L('终止开发', 'Terminate')} danger />
        </form>
      )}
    </Panel>
  );
}

function NewPlanItem({ opportunityId, onDone }: { opportunityId: string; onDone: () => void }) {
  const [rid, setRid] = useState(requestId);
  const f = useForm({ planDate: today(), content: '' });
  return (
    <form
      class="form plan-form"
      data-form="plan-item"
      onSubmit={f.submit(async (v) => {
        await post('/v1/planItems', {
          requestId: rid,
          item: { opportunityId, planDate: toDate(v.planDate), content: v.content },
        });
        setRid(requestId());
        f.reset({ planDate: v.planDate, content: '' });
        toast(L('计划已添加', 'Plan item added'));
        onDone();
      })}
    >
      <ErrorBox error={f.error} />
      <Field label={L('计划日期', 'Date')} error={f.errors.planDate}>
        <input {...f.bind('planDate')} type="date" required />
      </Field>
      <Field label={L('计划内容', 'What is planned')} error={f.errors.content} wide>
        <textarea {...f.bind('content')} required maxLength={2000} />
      </Field>
      <FormButtons busy={f.busy} action="plan" label={L('添加计划', 'Add to the plan')} />
    </form>
  );
}

// An item's result, and the form recording it (执行计划; again to correct it).
function PlanResult({ item, canExecute, onDone }: { item: any; canExecute: boolean; onDone: () => void }) {
  const [editing, setEditing] = useState(false);
  const f = useForm({ result: item.result ?? '' });
  const executed = !!item.executeTime;
  if (executed && !editing) {
    return (
      <div class="plan-result" data-executed="true">
        <span class="pre">{item.result}</span> <small class="hint">{dateTime(item.executeTime)}</small>
        {canExecute && (
          <button type="button" class="link" onClick={() => setEditing(true)}>
            {L('更正', 'Correct')}
          </button>
        )}
      </div>
    );
  }
  if (!canExecute) return <span class="hint">{L('未执行', 'Not done yet')}</span>;
  return (
    <form
      class="plan-result-form"
      onSubmit={f.submit(async (v) => {
        if (!v.result.trim()) throw invalid({ result: L('请填写执行结果', 'Say what came of it') });
        await post(`/v1/planItems/${item.id}:execute`, { etag: item.etag, result: v.result });
        setEditing(false);
        toast(L('已记录执行结果', 'Result recorded'));
        onDone();
      })}
    >
      <input {...f.bind('result')} placeholder={L('执行结果', 'What came of it')} maxLength={4000} />
      <button class="primary" disabled={f.busy} data-action="execute">
        {L('执行', 'Record')}
      </button>
      {(f.errors.result || f.error) && (
        <span class="field-error" role="alert">
          {f.errors.result || errorText(f.error)}
        </span>
      )}
    </form>
  );
}

export default function Opportunities({ route }: { route: Route }) {
  const [, id, sub] = route.parts;
  if (!can(READ)) return <Page title={L('商机', 'Opportunities')}>{null}</Page>;
  if (id === 'new') return <NewOpportunity route={route} />;
  if (id && sub === 'edit') return <EditOpportunity id={id} />;
  if (id) return <OpportunityPage id={id} key={id} />;
  return <OpportunityList route={route} />;
}
