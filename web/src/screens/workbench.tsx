// My workbench (the gateway's view): follow-ups due, my opportunities, my open and overdue
// tickets, overdue receivables and loss warnings; a manager also sees the team view. A section
// the gateway could not fill is shown as unavailable while the rest shows.
import type { ComponentChildren } from 'preact';
import { Code, get } from '../api';
import { date, dateTime, money } from '../format';
import { L } from '../i18n';
import { customerStatus, interactionMethod, opportunityStatus, ticketPriority, ticketStatus } from '../labels';
import { can } from '../session';
import { Badge, ErrorBox, Link, Loading, navigate, Page, Panel, Stat, Table, Tabs, useLoad } from '../ui';
import type { Route } from '../ui';

interface SectionStatus {
  code?: number;
  message?: string;
}

// A section's rows, or why it is missing.
export function Section(props: {
  title: string;
  status?: SectionStatus;
  more?: boolean;
  children: ComponentChildren;
  id?: string;
}) {
  const failed = props.status && props.status.code;
  return (
    <Panel title={props.title} class={`section${failed ? ' unavailable' : ''}`}>
      <div data-section={props.id}>
        {failed ? (
          <div class={`notice unavailable${failed === Code.PERMISSION_DENIED ? ' denied' : ''}`} role="status">
            {failed === Code.PERMISSION_DENIED
              ? L('您没有权限查看这部分', 'You do not have permission to see this')
              : L('暂时无法显示', 'Unavailable for now')}
            （{props.status!.message}）
          </div>
        ) : (
          props.children
        )}
        {props.more && <p class="hint">{L('仅显示前若干条', 'Showing the first items only')}</p>}
      </div>
    </Panel>
  );
}

export function WorkbenchSections({ w }: { w: any }) {
  return (
    <div class="grid">
      <Section id="follow-ups" title={L('待跟进', 'Follow-ups due')} status={w.followUpsDue?.status} more={w.followUpsDue?.more}>
        <Table
          rows={w.followUpsDue?.interactions ?? []}
          onRow={(i: any) => navigate(`/customers/${i.customerId}?tab=interactions`)}
          columns={[
            { label: L('跟进日期', 'Due'), render: (i: any) => date(i.nextFollowUpDate) },
            { label: L('方式', 'How'), render: (i: any) => interactionMethod(i.method) },
            { label: L('概要', 'Summary'), render: (i: any) => i.summary },
          ]}
        />
      </Section>
      <Section id="opportunities" title={L('我的商机', 'My opportunities')} status={w.opportunities?.status} more={w.opportunities?.more}>
        <Table
          rows={w.opportunities?.opportunities ?? []}
          onRow={(o: any) => navigate(`/opportunities/${o.id}`)}
          columns={[
            { label: L('概要', 'Summary'), render: (o: any) => o.summary },
            { label: L('状态', 'Status'), render: (o: any) => <Badge>{opportunityStatus(o.status)}</Badge> },
            { label: L('预计金额', 'Expected'), class: 'num', render: (o: any) => money(o.expectedAmount) },
          ]}
        />
      </Section>
      <Section id="open-tickets" title={L('我的服务单', 'My open tickets')} status={w.openTickets?.status} more={w.openTickets?.more}>
        <TicketRows tickets={w.openTickets?.tickets ?? []} />
      </Section>
      <Section id="overdue-tickets" title={L('超时服务单', 'Overdue tickets')} status={w.overdueTickets?.status} more={w.overdueTickets?.more}>
        <TicketRows tickets={w.overdueTickets?.tickets ?? []} />
      </Section>
      <Section
        id="overdue-installments"
        title={L('逾期回款', 'Overdue receivables')}
        status={w.overdueInstallments?.status}
        more={w.overdueInstallments?.more}
      >
        <Table
          rows={w.overdueInstallments?.installments ?? []}
          onRow={(x: any) => navigate(`/finance/${x.contractId}`)}
          columns={[
            { label: L('合同', 'Contract'), render: (x: any) => x.contractNumber },
            { label: L('到期日', 'Due'), render: (x: any) => date(x.installment?.dueDate) },
            { label: L('逾期天数', 'Days late'), class: 'num', render: (x: any) => x.installment?.daysOverdue },
            { label: L('未回款', 'Outstanding'), class: 'num', render: (x: any) => money(x.outstanding) },
          ]}
        />
      </Section>
      <Section id="loss-warnings" title={L('流失预警', 'Loss warnings')} status={w.lossWarnings?.status} more={w.lossWarnings?.more}>
        <Table
          rows={w.lossWarnings?.customers ?? []}
          onRow={(c: any) => navigate(`/customers/${c.id}?tab=loss`)}
          columns={[
            { label: L('客户', 'Customer'), render: (c: any) => c.name },
            { label: L('状态', 'Status'), render: (c: any) => <Badge tone="warn">{customerStatus(c.status)}</Badge> },
          ]}
        />
      </Section>
    </div>
  );
}

function TicketRows({ tickets }: { tickets: any[] }) {
  return (
    <Table
      rows={tickets}
      onRow={(t: any) => navigate(`/tickets/${t.id}`)}
      columns={[
        { label: L('编号', 'Number'), render: (t: any) => t.number },
        { label: L('概要', 'Summary'), render: (t: any) => t.summary },
        { label: L('优先级', 'Priority'), render: (t: any) => ticketPriority(t.priority) },
        {
          label: L('状态', 'Status'),
          render: (t: any) => (
            <>
              <Badge>{ticketStatus(t.status)}</Badge> {t.responseOverdue || t.resolutionOverdue ? <Badge tone="bad">{L('超时', 'Overdue')}</Badge> : null}
            </>
          ),
        },
        { label: L('解决时限', 'Resolve by'), render: (t: any) => dateTime(t.resolutionDueTime) },
      ]}
    />
  );
}

export default function Workbench({ route }: { route: Route }) {
  const team = can('customers.handover') || can('pipeline.opportunities.assign');
  const tab = route.query.get('view') === 'team' && team ? 'team' : 'mine';
  const data = useLoad(
    () => (tab === 'team' ? get('/v1/views/team') : get('/v1/views/workbench')),
    [tab],
  );
  const w = tab === 'team' ? data.data?.sections : data.data;
  const balance = data.data?.receivables;
  const zero = { currencyCode: 'CNY' }; // a total the API leaves out is nothing owed
  return (
    <Page
      title={L('工作台', 'Workbench')}
      actions={
        <>
          {can('customers.write') && <Link to="/customers/new">{L('新建客户', 'New customer')}</Link>}
          {can('service.tickets.create') && <Link to="/tickets/new">{L('新建服务单', 'New ticket')}</Link>}
        </>
      }
    >
      {team && (
        <Tabs
          tabs={[
            ['mine', L('我的', 'Mine')],
            ['team', L('团队', 'My team')],
          ]}
          active={tab}
          onChange={(id) => navigate(`/workbench?view=${id}`)}
        />
      )}
      <ErrorBox error={data.error} />
      <Loading loading={data.loading && !data.data} />
      {tab === 'team' && balance && (
        <Section id="team-receivables" title={L('团队应收', 'Team receivables')} status={balance.status}>
          <div class="stats">
            <Stat label={L('应收', 'Due')}>{money(balance.balance?.due ?? zero)}</Stat>
            <Stat label={L('已收', 'Received')}>{money(balance.balance?.received ?? zero)}</Stat>
            <Stat label={L('未收', 'Outstanding')}>{money(balance.balance?.outstanding ?? zero)}</Stat>
            <Stat label={L('逾期', 'Overdue')}>{money(balance.balance?.overdue ?? zero)}</Stat>
          </div>
        </Section>
      )}
      {w && <WorkbenchSections w={w} />}
      {w && <span data-ready="workbench" hidden />}
    </Page>
  );
}
