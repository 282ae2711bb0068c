// Customer service (客户服务): the ticket list with search and filters, a new ticket, and a
// ticket's page — due times (SLA), assigning, handling, feedback (below 3 it goes back to the
// assignee, 3 or more archives it), the history and attachments.
// Routes: #/tickets (?status=…&assignee=me&overdue=1), #/tickets/new (?customerId=&customerName=),
// #/tickets/<id>.
import { useState } from 'preact/hooks';
import { download, get, post, requestId, upload } from '../api';
import type { Query } from '../api';
import { CustomerName } from '../customer-names';
import { useDepartments } from '../departments';
import { dateTime, fileSize } from '../format';
import { enumLabel, L } from '../i18n';
import {
  optionsOf,
  TICKET_CHANNEL,
  TICKET_PRIORITY,
  TICKET_STATUS,
  ticketChannel,
  ticketPriority,
  ticketStatus,
} from '../labels';
import { meFirst, userOptions, useUsers, who } from '../people';
import type { User } from '../people';
import { contactOptions, CustomerPicker } from '../pickers';
import type { CustomerRef } from '../pickers';
import { can, myId, session } from '../session';
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
  Table,
  toast,
  useAction,
  useDebounced,
  useForm,
  useLoad,
  usePagedList,
} from '../ui';
import type { Route } from '../ui';

export default function Tickets({ route }: { route: Route }) {
  const id = route.parts[1];
  if (id === 'new') return <NewTicket route={route} />;
  if (id) return <TicketPage id={id} key={id} />;
  return <TicketList route={route} />;
}

// ---- shared bits ----

const TICKET_ACTION: Record<string, [string, string]> = {
  CREATED: ['创建', 'Created'],
  ASSIGNED: ['分配', 'Assigned'],
  HANDLED: ['处理', 'Handled'],
  RETURNED: ['反馈不满意，退回处理', 'Returned by feedback'],
  ARCHIVED: ['反馈并归档', 'Feedback; archived'],
};
const ticketAction = (v?: string) => enumLabel(v, 'TICKET_ACTION_', TICKET_ACTION);

const StatusBadge = badgeOf(ticketStatus, { TICKET_STATUS_NEW: 'warn', TICKET_STATUS_ARCHIVED: 'ok' });
const PriorityBadge = badgeOf(ticketPriority, { TICKET_PRIORITY_URGENT: 'bad', TICKET_PRIORITY_HIGH: 'warn' });

function OverdueBadges({ t }: { t: any }) {
  return (
    <>
      {t.responseOverdue && <Badge tone="bad">{L('响应超时', 'Response late')}</Badge>}{' '}
      {t.resolutionOverdue && <Badge tone="bad">{L('解决超时', 'Resolution late')}</Badge>}
    </>
  );
}

interface TicketType {
  code: string;
  name: string;
  active?: boolean;
}

function useTicketTypes(includeInactive: boolean): TicketType[] {
  const types = useLoad(() => get('/v1/ticketTypes', { includeInactive: includeInactive || undefined }), [includeInactive]);
  return types.data?.types ?? [];
}

const Stars = ({ n }: { n: number }) => (
  <span class="stars" title={`${n}/5`}>
    {'★'.repeat(n)}
    {'☆'.repeat(5 - n)}
  </span>
);

// ---- the list ----

interface Filters {
  query: string;
  status: string;
  type: string;
  priority: string;
  assigneeId: string;
  queueDepartmentId: string;
  createdFrom: string;
  createdTo: string;
  openOnly: boolean;
  overdueOnly: boolean;
  customer?: CustomerRef;
}

function TicketList({ route }: { route: Route }) {
  const users = useUsers();
  const types = useTicketTypes(true);
  const departments = useDepartments();
  const [f, setF] = useState<Filters>(() => ({
    query: '',
    status: route.query.get('status') ?? '',
    type: '',
    priority: '',
    assigneeId: route.query.get('assignee') === 'me' ? myId() : '',
    queueDepartmentId: '',
    createdFrom: '',
    createdTo: '',
    openOnly: route.query.get('open') === '1',
    overdueOnly: route.query.get('overdue') === '1',
  }));
  const set = (patch: Partial<Filters>) => setF((old) => ({ ...old, ...patch }));
  const text = useDebounced(f.query.trim(), 300);
  const q: Query = {
    query: text,
    status: f.status,
    type: f.type,
    priority: f.priority,
    customerId: f.customer?.id,
    assigneeId: f.assigneeId,
    queueDepartmentId: f.queueDepartmentId,
    createdFrom: f.createdFrom,
    createdTo: f.createdTo,
    openOnly: f.openOnly || undefined,
    overdueOnly: f.overdueOnly || undefined,
  };
  const list = usePagedList('/v1/tickets', 'tickets', q);
  const typeName = (code: string) => types.find((t) => t.code === code)?.name ?? code;
  const assignees = meFirst(L('分配给我的', 'Assigned to me'), userOptions(users));
  return (
    <Page
      title={L('客户服务', 'Customer service')}
      actions={can('service.tickets.create') && <Link to="/tickets/new" class="button-link">{L('新建服务单', 'New ticket')}</Link>}
    >
      <FoldingFilters
        more={
          <>
            <Select
              name="type"
              value={f.type}
              onChange={(v) => set({ type: v })}
              empty={L('全部类型', 'Any type')}
              options={types.map((t) => [t.code, t.name])}
            />
            <Select
              name="priority"
              value={f.priority}
              onChange={(v) => set({ priority: v })}
              empty={L('全部优先级', 'Any priority')}
              options={optionsOf('TICKET_PRIORITY_', TICKET_PRIORITY, ticketPriority)}
            />
            {departments.length > 0 && (
              <Select
                name="queueDepartmentId"
                value={f.queueDepartmentId}
                onChange={(v) => set({ queueDepartmentId: v })}
                empty={L('全部队列', 'Any queue')}
                options={departments.map((d) => [d.id, d.name])}
              />
            )}
            <CustomerPicker name="customerId" value={f.customer} onChange={(c) => set({ customer: c })} />
            <DateInput name="createdFrom" title={L('创建日期从', 'Created from')} value={f.createdFrom} onChange={(v) => set({ createdFrom: v })} />
            <DateInput name="createdTo" title={L('创建日期至', 'Created to')} value={f.createdTo} onChange={(v) => set({ createdTo: v })} />
          </>
        }
      >
        <input
          type="search"
          name="query"
          maxLength={50}
          placeholder={L('搜索概要或内容', 'Search the summary or request')}
          value={f.query}
          onInput={(e) => set({ query: e.currentTarget.value })}
        />
        <Select
          name="status"
          value={f.status}
          onChange={(v) => set({ status: v })}
          empty={L('全部状态', 'Any status')}
          options={optionsOf('TICKET_STATUS_', TICKET_STATUS, ticketStatus)}
        />
        <Select
          name="assigneeId"
          value={f.assigneeId}
          onChange={(v) => set({ assigneeId: v })}
          empty={L('全部处理人', 'Anyone')}
          options={assignees}
        />
        <Check name="openOnly" checked={f.openOnly} onChange={(v) => set({ openOnly: v })}>
          {L('未归档', 'Open only')}
        </Check>
        <Check name="overdueOnly" checked={f.overdueOnly} onChange={(v) => set({ overdueOnly: v })}>
          {L('仅超时', 'Overdue only')}
        </Check>
      </FoldingFilters>
      <Panel class="list">
        <ErrorBox error={list.error} />
        <Table
          rows={list.rows}
          rowKey={(t: any) => t.id}
          onRow={(t: any) => navigate(`/tickets/${t.id}`)}
          empty={L('没有符合条件的服务单', 'No tickets match')}
          columns={[
            { label: L('编号', 'Number'), class: 'nowrap', render: (t: any) => <Link to={`/tickets/${t.id}`}>{t.number}</Link> },
            { label: L('概要', 'Summary'), render: (t: any) => t.summary },
            { label: L('客户', 'Customer'), render: (t: any) => <CustomerName id={t.customerId} /> },
            { label: L('类型', 'Type'), render: (t: any) => typeName(t.type) },
            { label: L('优先级', 'Priority'), render: (t: any) => <PriorityBadge value={t.priority} /> },
            {
              label: L('状态', 'Status'),
              render: (t: any) => (
                <>
                  <StatusBadge value={t.status} /> <OverdueBadges t={t} />
                </>
              ),
            },
            { label: L('处理人', 'Assignee'), render: (t: any) => who(users, t.assigneeId) },
            { label: L('解决时限', 'Resolve by'), render: (t: any) => dateTime(t.resolutionDueTime) },
            { label: L('创建时间', 'Created'), render: (t: any) => dateTime(t.createTime) },
          ]}
        />
        <Loading loading={list.loading} />
        <MoreButton token={list.next} onMore={list.more} />
        {list.rows && !list.loading && <span data-ready="tickets" hidden />}
      </Panel>
    </Page>
  );
}

// ---- a new ticket ----

function NewTicket({ route }: { route: Route }) {
  const types = useTicketTypes(false).filter((t) => t.active !== false);
  const fromQuery = route.query.get('customerId');
  const [customer, setCustomer] = useState<CustomerRef | undefined>(
    fromQuery ? { id: fromQuery, name: route.query.get('customerName') ?? '' } : undefined,
  );
  const contacts = useLoad(
    async () => (customer ? ((await get('/v1/contacts', { customerId: customer.id, pageSize: 100 })).contacts ?? []) : []),
    [customer?.id],
  );
  const [rid] = useState(requestId);
  const f = useForm({
    type: '',
    contactId: '',
    channel: 'TICKET_CHANNEL_PHONE',
    priority: 'TICKET_PRIORITY_NORMAL',
    summary: '',
    request: '',
  });
  const type = f.values.type || types[0]?.code || '';
  return (
    <Page title={L('新建服务单', 'New ticket')} actions={<Link to="/tickets">{L('返回列表', 'Back to the list')}</Link>}>
      <form
        class="panel form"
        onSubmit={f.submit(async (v) => {
          if (!customer) throw invalid({ 'ticket.customer_id': L('请选择客户', 'Choose a customer') });
          const t = await post('/v1/tickets', {
            requestId: rid,
            ticket: {
              customerId: customer.id,
              contactId: v.contactId || undefined,
              type,
              channel: v.channel,
              priority: v.priority,
              summary: v.summary,
              request: v.request,
            },
          });
          toast(L(`服务单 ${t.number} 已创建`, `Ticket ${t.number} created`));
          navigate(`/tickets/${t.id}`);
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('客户', 'Customer')} error={f.errors.customerId}>
          <CustomerPicker name="customerId" value={customer} onChange={setCustomer} />
        </Field>
        <Field label={L('联系人', 'Contact')} error={f.errors.contactId}>
          <Select
            name="contactId"
            value={f.values.contactId}
            onChange={(x) => f.set('contactId', x)}
            empty={L('（不指定）', '(none)')}
            options={contactOptions(contacts.data ?? [])}
          />
        </Field>
        <Field label={L('服务类型', 'Type')} error={f.errors.type}>
          <Select name="type" value={type} onChange={(x) => f.set('type', x)} options={types.map((t) => [t.code, t.name])} />
        </Field>
        <Field label={L('来源渠道', 'Channel')} error={f.errors.channel}>
          <Select
            name="channel"
            value={f.values.channel}
            onChange={(x) => f.set('channel', x)}
            options={optionsOf('TICKET_CHANNEL_', TICKET_CHANNEL, ticketChannel)}
          />
        </Field>
        <Field label={L('优先级', 'Priority')} error={f.errors.priority}>
          <Select
            name="priority"
            value={f.values.priority}
            onChange={(x) => f.set('priority', x)}
            options={optionsOf('TICKET_PRIORITY_', TICKET_PRIORITY, ticketPriority)}
          />
        </Field>
        <Field label={L('概要', 'Summary')} error={f.errors.summary} wide>
          <input {...f.bind('summary')} maxLength={200} required />
        </Field>
        <Field label={L('服务请求', 'Request')} error={f.errors.request} wide>
          <textarea {...f.bind('request')} maxLength={4000} rows={5} required />
        </Field>
        <FormButtons busy={f.busy || !type} action="create" label={L('创建服务单', 'Create the ticket')} />
      </form>
    </Page>
  );
}

// ---- a ticket ----

function TicketPage({ id }: { id: string }) {
  const users = useUsers();
  const types = useTicketTypes(true);
  const t = useLoad(() => get(`/v1/tickets/${id}`), [id]);
  const [version, setVersion] = useState(0);
  const changed = () => {
    t.reload();
    setVersion((v) => v + 1);
  };
  const tk = t.data;
  const me = myId();
  const mayAssign =
    tk && can('service.tickets.assign') && (tk.status === 'TICKET_STATUS_NEW' || tk.status === 'TICKET_STATUS_ASSIGNED');
  const mayHandle = tk && can('service.tickets.handle') && tk.status === 'TICKET_STATUS_ASSIGNED' && tk.assigneeId === me;
  const mayFeedback =
    tk &&
    can('service.tickets.feedback') &&
    tk.status === 'TICKET_STATUS_HANDLED' &&
    (tk.creatorId === me || tk.customerOwnerId === me);
  return (
    <Page title={tk?.number ?? L('服务单', 'Ticket')} actions={<Link to="/tickets">{L('返回列表', 'Back to the list')}</Link>}>
      <ErrorBox error={t.error} />
      <Loading loading={t.loading && !tk} />
      {tk && (
        <>
          <div class="ticket-head" data-status={tk.status}>
            <StatusBadge value={tk.status} /> <PriorityBadge value={tk.priority} /> <OverdueBadges t={tk} />
            {tk.returns > 0 && <Badge tone="warn">{L(`退回 ${tk.returns} 次`, `Returned ${tk.returns}×`)}</Badge>}
          </div>
          <Panel title={tk.summary}>
            <p class="request">{tk.request}</p>
            <dl class="props">
              <dt>{L('客户', 'Customer')}</dt>
              <dd>
                <Link to={`/customers/${tk.customerId}`}>
                  <CustomerName id={tk.customerId} />
                </Link>
              </dd>
              <dt>{L('服务类型', 'Type')}</dt>
              <dd>{types.find((x) => x.code === tk.type)?.name ?? tk.type}</dd>
              <dt>{L('来源渠道', 'Channel')}</dt>
              <dd>{ticketChannel(tk.channel)}</dd>
              <dt>{L('创建人', 'Created by')}</dt>
              <dd>
                {who(users, tk.creatorId)} · {dateTime(tk.createTime)}
              </dd>
              <dt>{L('客户经理', 'Account manager')}</dt>
              <dd>{who(users, tk.customerOwnerId)}</dd>
              <dt>{L('处理人', 'Assignee')}</dt>
              <dd data-field="assignee">{tk.assigneeId ? who(users, tk.assigneeId) : L('未分配', 'Not assigned')}</dd>
              {tk.customerLevel && (
                <>
                  <dt>{L('客户等级', 'Customer level')}</dt>
                  <dd>
                    <LevelName code={tk.customerLevel} />
                  </dd>
                </>
              )}
            </dl>
          </Panel>
          <Panel title={L('服务时限', 'Due times (SLA)')}>
            <dl class="props sla">
              <dt>{L('首次响应', 'First response')}</dt>
              <dd data-sla="response">
                <SlaValue due={tk.firstResponseDueTime} done={tk.firstResponseTime} late={tk.responseOverdue} />
              </dd>
              <dt>{L('解决', 'Resolution')}</dt>
              <dd data-sla="resolution">
                <SlaValue due={tk.resolutionDueTime} done={tk.resolveTime} late={tk.resolutionOverdue} />
              </dd>
            </dl>
          </Panel>
          {(tk.handling || tk.feedbackResult) && (
            <Panel title={L('处理与反馈', 'Handling and feedback')}>
              <dl class="props">
                {tk.handling && (
                  <>
                    <dt>{L('处理情况', 'Handling')}</dt>
                    <dd class="text">{tk.handling}</dd>
                  </>
                )}
                {tk.feedbackResult && (
                  <>
                    <dt>{L('反馈结果', 'Feedback')}</dt>
                    <dd class="text">{tk.feedbackResult}</dd>
                    <dt>{L('满意度', 'Satisfaction')}</dt>
                    <dd data-field="satisfaction">
                      <Stars n={tk.satisfaction ?? 0} /> {tk.satisfaction ?? 0}/5
                    </dd>
                  </>
                )}
              </dl>
            </Panel>
          )}
          {mayAssign && <AssignForm tk={tk} users={users} onChanged={changed} key={`a-${version}`} />}
          {mayHandle && <HandleForm tk={tk} onChanged={changed} key={`h-${version}`} />}
          {mayFeedback && <FeedbackForm tk={tk} onChanged={changed} key={`f-${version}`} />}
          <History id={tk.id} users={users} version={version} />
          <Attachments tk={tk} users={users} />
          <span data-ready="ticket" hidden />
        </>
      )}
    </Page>
  );
}

// The customer's level when the ticket was created (it decided the due times), by its name.
function LevelName({ code }: { code: string }) {
  const levels = useLoad(() => get('/v1/dictionaryEntries', { kind: 'DICTIONARY_KIND_LEVEL' }), []);
  const entry = (levels.data?.entries ?? []).find((e: any) => e.code === code);
  return <>{entry?.name ?? code}</>;
}

function SlaValue({ due, done, late }: { due?: string; done?: string; late?: boolean }) {
  return (
    <>
      {L('时限', 'due')} {dateTime(due)}{' '}
      {done ? (
        <Badge tone={late ? 'bad' : 'ok'}>
          {late ? L('已完成（超时）', 'Done, late') : L('按时完成', 'Done in time')} {dateTime(done)}
        </Badge>
      ) : late ? (
        <Badge tone="bad">{L('已超时', 'Overdue')}</Badge>
      ) : (
        <Badge tone="info">{L('进行中', 'Running')}</Badge>
      )}
    </>
  );
}

// People who may handle tickets, within the caller's departments unless they see everything.
function assigneeOptions(users: Map<string, User>): [string, string][] {
  const claims = session.value?.claims as any;
  const tree: string[] | undefined = claims?.scope === 'department' ? claims.dept_tree : undefined;
  return userOptions(users, ['service_agent', 'service_lead', 'account_manager']).filter(
    ([id]) => !tree || tree.includes(users.get(id)?.departmentId ?? ''),
  );
}

function AssignForm({ tk, users, onChanged }: { tk: any; users: Map<string, User>; onChanged: () => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ assigneeId: '', note: '' });
  const options = assigneeOptions(users);
  return (
    <Panel title={tk.assigneeId ? L('重新分配', 'Reassign') : L('分配', 'Assign')}>
      <form
        class="form"
        onSubmit={f.submit(async (v) => {
          if (!v.assigneeId) throw invalid({ assignee_id: L('请选择处理人', 'Choose who handles it') });
          await post(`/v1/tickets/${tk.id}:assign`, { etag: tk.etag, assigneeId: v.assigneeId, note: v.note, requestId: rid });
          toast(L('已分配', 'Assigned'));
          onChanged();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('处理人', 'Assignee')} error={f.errors.assigneeId}>
          <Select
            name="assigneeId"
            value={f.values.assigneeId}
            onChange={(x) => f.set('assigneeId', x)}
            empty={L('请选择', 'Choose')}
            options={options.filter(([id]) => id !== tk.assigneeId)}
          />
        </Field>
        <Field label={L('分配说明', 'Note')} error={f.errors.note} wide>
          <textarea {...f.bind('note')} maxLength={2000} />
        </Field>
        <FormButtons busy={f.busy} action="assign" label={L('分配', 'Assign')} />
      </form>
    </Panel>
  );
}

function HandleForm({ tk, onChanged }: { tk: any; onChanged: () => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ handling: '' });
  return (
    <Panel title={L('服务处理', 'Handle')}>
      {tk.returns > 0 && tk.feedbackResult && (
        <div class="notice returned" role="status">
          {L('客户反馈不满意，退回重新处理：', 'The customer was not satisfied: ')}
          {tk.feedbackResult}
        </div>
      )}
      <form
        class="form"
        onSubmit={f.submit(async (v) => {
          await post(`/v1/tickets/${tk.id}:handle`, { etag: tk.etag, handling: v.handling, requestId: rid });
          toast(L('已处理', 'Handled'));
          onChanged();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('处理情况', 'What was done')} error={f.errors.handling} wide>
          <textarea {...f.bind('handling')} maxLength={4000} rows={4} required />
        </Field>
        <FormButtons busy={f.busy} action="handle" label={L('提交处理', 'Submit')} />
      </form>
    </Panel>
  );
}

function FeedbackForm({ tk, onChanged }: { tk: any; onChanged: () => void }) {
  const [rid] = useState(requestId);
  const f = useForm({ result: '', satisfaction: '' });
  const n = Number(f.values.satisfaction);
  return (
    <Panel title={L('服务反馈', 'Feedback')}>
      <form
        class="form"
        onSubmit={f.submit(async (v) => {
          if (!v.satisfaction) throw invalid({ satisfaction: L('请选择满意度', 'Choose the satisfaction') });
          const r = await post(`/v1/tickets/${tk.id}:recordFeedback`, {
            etag: tk.etag,
            result: v.result,
            satisfaction: Number(v.satisfaction),
            requestId: rid,
          });
          toast(
            r.status === 'TICKET_STATUS_ARCHIVED'
              ? L('反馈已记录，服务单已归档', 'Feedback recorded; the ticket is archived')
              : L('反馈已记录，已退回处理人', 'Feedback recorded; back to the assignee'),
          );
          onChanged();
        })}
      >
        <ErrorBox error={f.error} />
        <div class={`field wide${f.errors.satisfaction ? ' invalid' : ''}`}>
          <span class="label">{L('满意度', 'Satisfaction')}</span>
          <div class="rating" role="radiogroup">
            {[1, 2, 3, 4, 5].map((k) => (
              <label class={n >= k ? 'on' : ''}>
                <input
                  type="radio"
                  name="satisfaction"
                  value={String(k)}
                  checked={n === k}
                  onChange={() => f.set('satisfaction', String(k))}
                />
                <span aria-hidden="true">★</span>
                {k}
              </label>
            ))}
          </div>
          {f.errors.satisfaction ? (
            <span class="field-error" role="alert">
              {f.errors.satisfaction}
            </span>
          ) : (
            <span class="hint">
              {L('低于 3 分将退回处理人重新处理，3 分及以上归档', 'Below 3 goes back to the assignee; 3 or more archives it')}
            </span>
          )}
        </div>
        <Field label={L('反馈结果', 'What the customer said')} error={f.errors.result} wide>
          <textarea {...f.bind('result')} maxLength={2000} required />
        </Field>
        <FormButtons
          busy={f.busy}
          action="feedback"
          label={n > 0 && n < 3 ? L('提交并退回处理', 'Submit and return') : L('提交反馈', 'Submit')}
        />
      </form>
    </Panel>
  );
}

function History({ id, users, version }: { id: string; users: Map<string, User>; version: number }) {
  const h = useLoad(() => get(`/v1/tickets/${id}/history`), [id, version]);
  const entries: any[] = h.data?.entries ?? [];
  return (
    <Panel title={L('处理过程', 'History')}>
      <ErrorBox error={h.error} />
      <Loading loading={h.loading && !h.data} />
      <ol class="timeline" data-section="history">
        {entries.map((e) => (
          <li class={`step ${(e.action ?? '').replace('TICKET_ACTION_', '').toLowerCase()}`}>
            <div class="step-head">
              <b>{ticketAction(e.action)}</b>
              {e.toStatus && <StatusBadge value={e.toStatus} />}
              <span class="muted">
                {who(users, e.userId)} · {dateTime(e.time)}
              </span>
            </div>
            {e.assigneeId && (
              <div>
                {L('处理人：', 'To: ')}
                {who(users, e.assigneeId)}
              </div>
            )}
            {e.satisfaction > 0 && (
              <div>
                {L('满意度：', 'Satisfaction: ')}
                <Stars n={e.satisfaction} /> {e.satisfaction}/5
              </div>
            )}
            {e.text && <p class="text">{e.text}</p>}
          </li>
        ))}
      </ol>
    </Panel>
  );
}

function Attachments({ tk, users }: { tk: any; users: Map<string, User> }) {
  const [version, setVersion] = useState(0);
  const list = useLoad(() => get(`/v1/tickets/${tk.id}/attachments`), [tk.id, version]);
  const [file, setFile] = useState<File | null>(null);
  const [rid, setRid] = useState(requestId); // a new one clears the file input
  const [uploadId, setUploadId] = useState(requestId); // one per chosen file: a retry sends it again
  const act = useAction();
  const me = myId();
  const mayUpload =
    tk.status !== 'TICKET_STATUS_ARCHIVED' &&
    (me === tk.creatorId || me === tk.assigneeId || me === tk.customerOwnerId || can('service.tickets.assign'));
  const send = () =>
    file &&
    act.run(async () => {
      await upload('/v1/tickets:uploadAttachment', file, { ticketId: tk.id }, uploadId);
      toast(L('附件已上传', 'File attached'));
      setFile(null);
      setRid(requestId());
      setVersion((v) => v + 1);
    });
  const fetchFile = (a: any) => act.run(() => download(`/v1/tickets/${tk.id}/attachments/${a.id}:download`), '');
  return (
    <Panel title={L('附件', 'Attachments')}>
      <ErrorBox error={list.error || act.error} />
      <Table
        rows={list.data ? list.data.attachments ?? [] : undefined}
        rowKey={(a: any) => a.id}
        empty={L('暂无附件', 'No files')}
        columns={[
          { label: L('文件', 'File'), render: (a: any) => a.fileName },
          { label: L('大小', 'Size'), class: 'num', render: (a: any) => fileSize(a.sizeBytes) },
          { label: L('上传人', 'By'), render: (a: any) => who(users, a.uploadedBy) },
          { label: L('时间', 'When'), render: (a: any) => dateTime(a.uploadTime) },
          {
            label: '',
            render: (a: any) => (
              <button type="button" class="link" data-action="download" onClick={() => fetchFile(a)}>
                {L('下载', 'Download')}
              </button>
            ),
          },
        ]}
      />
      {mayUpload && (
        <div class="upload">
          <input
            type="file"
            name="file"
            key={rid}
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setUploadId(requestId());
            }}
          />
          <button type="button" class="primary" data-action="upload" disabled={!file || !!act.busy} onClick={send}>
            {act.busy ? L('上传中…', 'Uploading…') : L('上传附件', 'Upload')}
          </button>
        </div>
      )}
    </Panel>
  );
}
