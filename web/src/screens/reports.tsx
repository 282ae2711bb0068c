// Management reports (统计报表): one report kind at a time for a period with filters, drawn as
// a chart and listed as a table, exported as CSV; the sales targets the performance report
// compares with; and how fresh the report data is. The chart library is loaded only here.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, get, post, stream } from '../api';
import type { Query } from '../api';
import type { Chart, ChartOption } from '../charts';
import { allDepartments, departmentName, departmentOptions } from '../departments';
import type { Department } from '../departments';
import { fieldMessage } from '../field-messages';
import { date, dateTime, locale, money, moneyValue, parseMoney, toDate, today } from '../format';
import type { DateJson, Money } from '../format';
import { L } from '../i18n';
import {
  customerStatus,
  optionsOf,
  PERIOD_UNIT,
  periodUnit,
  reportKind,
  TARGET_SUBJECT,
  targetSubject,
} from '../labels';
import { humanOptions, nameOf, useUsers } from '../people';
import type { User } from '../people';
import { can } from '../session';
import {
  Badge,
  ErrorBox,
  Field,
  FormButtons,
  invalid,
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
} from '../ui';
import type { Column, Route } from '../ui';

// ---- the report kinds and their options ----

interface KindDef {
  slug: string;
  kind: string;
  // What rows may group by, the default first; none: the report has no dimension.
  dimensions?: string[];
  // Whether the product line filter applies.
  byProduct?: boolean;
}

const KINDS: KindDef[] = [
  { slug: 'sales', kind: 'REPORT_KIND_SALES_PERFORMANCE', dimensions: ['owner', 'department', 'region', 'product_line', 'product'], byProduct: true },
  { slug: 'funnel', kind: 'REPORT_KIND_PIPELINE_FUNNEL' },
  { slug: 'contribution', kind: 'REPORT_KIND_CUSTOMER_CONTRIBUTION', byProduct: true },
  {
    slug: 'composition',
    kind: 'REPORT_KIND_CUSTOMER_COMPOSITION',
    dimensions: ['level', 'region', 'industry', 'credit', 'satisfaction', 'source', 'status', 'owner', 'department'],
  },
  { slug: 'value', kind: 'REPORT_KIND_CUSTOMER_VALUE' },
  { slug: 'churn', kind: 'REPORT_KIND_CUSTOMER_CHURN' },
  { slug: 'service', kind: 'REPORT_KIND_SERVICE_COMPOSITION' },
  { slug: 'aging', kind: 'REPORT_KIND_RECEIVABLES_AGING', dimensions: ['owner', 'department'] },
];

const DIMENSIONS: Record<string, [string, string]> = {
  owner: ['负责人', 'Owner'],
  department: ['部门', 'Department'],
  region: ['地区', 'Region'],
  industry: ['行业', 'Industry'],
  level: ['客户等级', 'Customer level'],
  credit: ['信用等级', 'Credit rating'],
  satisfaction: ['满意度', 'Satisfaction'],
  source: ['客户来源', 'Source'],
  status: ['客户状态', 'Customer status'],
  product_line: ['产品线', 'Product line'],
  product: ['产品', 'Product'],
};
const dimensionLabel = (d: string) => (DIMENSIONS[d] ? L(...DIMENSIONS[d]) : d);

// English titles of the report columns (the API gives Chinese ones).
const COLUMN_EN: Record<string, string> = {
  rank: 'Rank',
  customer_name: 'Customer',
  contracted: 'Contracted',
  received: 'Received',
  delivered: 'Delivered',
  share: 'Share',
  cumulative_share: 'Cumulative share',
  abc_class: 'ABC class',
  name: 'Name',
  start_count: 'At start',
  end_count: 'At end',
  change: 'Change',
  new_count: 'New',
  type: 'Ticket type',
  created: 'Created',
  archived: 'Archived',
  satisfaction_1: 'Satisfaction 1',
  satisfaction_2: 'Satisfaction 2',
  satisfaction_3: 'Satisfaction 3',
  satisfaction_4: 'Satisfaction 4',
  satisfaction_5: 'Satisfaction 5',
  mean_response_seconds: 'Mean first response',
  mean_resolution_seconds: 'Mean resolution',
  response_breaches: 'Response breaches',
  resolution_breaches: 'Resolution breaches',
  latest_step: 'Latest step',
  step_date: 'Date',
  reason: 'Reason',
  contract_value: 'Contract value',
  warned: 'Warned',
  delayed: 'Delayed',
  lost: 'Lost',
  recovered: 'Recovered',
  lost_value: 'Lost contract value',
  target: 'Target',
  attainment: 'Attainment',
  reached: 'Reached',
  current: 'In stage',
  conversion: 'Conversion',
  not_due: 'Not due',
  overdue_1_30: '1–30 days overdue',
  overdue_31_60: '31–60 days overdue',
  overdue_61_90: '61–90 days overdue',
  overdue_over_90: 'Over 90 days overdue',
  outstanding: 'Outstanding',
  recency_days: 'Days since last contract',
  frequency: 'Contracts',
  monetary: 'Contracted',
  segment: 'Segment',
  lifetime_value: 'Lifetime value',
  customers: 'Customers',
  won: 'Won',
  win_rate: 'Win rate',
  mean_days_to_win: 'Mean days to win',
  most_valuable: 'Most valuable',
  ordinary: 'Ordinary',
  lost_most_valuable: 'Lost most valuable',
  potential: 'Potential',
};

const CHURN_STEP: Record<string, [string, string]> = {
  warned: ['流失预警', 'Warned'],
  delayed: ['暂缓流失', 'Delayed'],
  confirmed: ['确认流失', 'Lost'],
  recovered: ['恢复', 'Recovered'],
};

const SEGMENT_EN: Record<string, string> = {
  最有价值客户: 'Most valuable',
  一般客户: 'Ordinary',
  流失的最有价值客户: 'Lost most valuable',
  潜在客户: 'Potential',
};

// ---- the API's report ----

interface ReportColumn {
  key: string;
  title: string;
  kind: string;
}
interface Cell {
  text?: string;
  integer?: string;
  money?: Money;
  number?: number;
}
interface Report {
  kind: string;
  startDate?: DateJson;
  endDate?: DateJson;
  dimension?: string;
  columns?: ReportColumn[];
  rows?: { cells?: Cell[] }[];
  totalColumns?: ReportColumn[];
  totals?: { cells?: Cell[] };
  totalRows?: string;
  nextPageToken?: string;
  dataTime?: string;
}

// A row as cells by column key.
type Row = Record<string, Cell | undefined>;

const rowsOf = (columns: ReportColumn[], rows: { cells?: Cell[] }[]): Row[] =>
  rows.map((r) => Object.fromEntries(columns.map((c, i) => [c.key, r.cells?.[i]])));

const num = (c?: Cell): number => {
  if (!c) return 0;
  if (c.integer !== undefined) return Number(c.integer);
  if (c.money) return moneyValue(c.money);
  return c.number ?? 0;
};

const percent = (x: number) => `${(x * 100).toFixed(1)}%`;
const compact = (x: number) => new Intl.NumberFormat(locale(), { notation: 'compact', maximumFractionDigits: 1 }).format(x);
const yuan = (x: number) => money({ currencyCode: 'CNY', units: String(Math.trunc(x)), nanos: Math.round((x % 1) * 1e9) });

function duration(seconds: number): string {
  if (seconds < 60) return L(`${Math.round(seconds)} 秒`, `${Math.round(seconds)} s`);
  const m = Math.round(seconds / 60);
  if (m < 60) return L(`${m} 分钟`, `${m} min`);
  if (m < 48 * 60) {
    const h = Math.floor(m / 60);
    return L(`${h} 小时 ${m % 60} 分`, `${h} h ${m % 60} min`);
  }
  const d = (seconds / 86400).toFixed(1);
  return L(`${d} 天`, `${d} days`);
}

function columnTitle(c: ReportColumn): string {
  const zh = c.key.endsWith('_seconds') ? c.title.replace(/\(秒\)$/, '') : c.title;
  return L(zh, COLUMN_EN[c.key] ?? zh);
}

function formatCell(col: ReportColumn, c?: Cell): string {
  if (!c || Object.keys(c).length === 0) return '';
  switch (col.kind) {
    case 'COLUMN_KIND_MONEY':
      return money(c.money ?? { currencyCode: 'CNY' });
    case 'COLUMN_KIND_RATIO':
      return percent(c.number ?? 0);
    case 'COLUMN_KIND_INTEGER':
      return Number(c.integer ?? 0).toLocaleString(locale());
    case 'COLUMN_KIND_NUMBER':
      if (col.key.endsWith('_seconds')) return duration(c.number ?? 0);
      return (c.number ?? 0).toLocaleString(locale(), { maximumFractionDigits: 1 });
    default:
      return c.text ?? '';
  }
}

const isNumeric = (c: ReportColumn) => c.kind !== 'COLUMN_KIND_TEXT';

// ---- what codes stand for: dictionaries, departments, product lines, ticket types ----

interface Lookups {
  departments: Department[];
  dictionary: Map<string, string>; // "region:east" → 华东
  productLines: { id: string; name: string }[];
  ticketTypes: Map<string, string>;
}

// Loaded once per visit; a list the caller may not read is simply empty.
let lookups: Promise<Lookups> | null = null;
function loadLookups(): Promise<Lookups> {
  const quiet = <T,>(p: Promise<T>, empty: T) => p.catch(() => empty);
  lookups ??= (async () => {
    const [departments, dict, lines, types] = await Promise.all([
      can('auth.departments.read') ? quiet(allDepartments(), []) : [],
      can('customers.read') || can('dictionaries.write') ? quiet(get('/v1/dictionaryEntries'), {}) : {},
      quiet(get('/v1/productLines'), {}),
      can('service.tickets.read') ? quiet(get('/v1/ticketTypes', { includeInactive: true }), {}) : {},
    ]);
    const dictionary = new Map<string, string>();
    for (const e of (dict as any).entries ?? []) {
      dictionary.set(`${String(e.kind).replace('DICTIONARY_KIND_', '').toLowerCase()}:${e.code}`, e.name);
    }
    return {
      departments: departments as Department[],
      dictionary,
      productLines: ((lines as any).productLines ?? []).map((p: any) => ({ id: p.id, name: p.name })),
      ticketTypes: new Map(((types as any).types ?? []).map((t: any) => [t.code, t.name])),
    };
  })();
  return lookups;
}

function useLookups(): Lookups {
  const [l, setL] = useState<Lookups>({ departments: [], dictionary: new Map(), productLines: [], ticketTypes: new Map() });
  useEffect(() => {
    loadLookups().then(setL, () => {});
  }, []);
  return l;
}

// The name a row's group key stands for.
function groupName(dimension: string, code: string, name: string, lk: Lookups): string {
  if (name) return name;
  if (!code) return L('（未填写）', '(none)');
  switch (dimension) {
    case 'level':
    case 'region':
    case 'industry':
    case 'source':
      return lk.dictionary.get(`${dimension}:${code}`) ?? code;
    case 'status':
      return customerStatus(`CUSTOMER_STATUS_${code.toUpperCase()}`);
    case 'product_line':
      return lk.productLines.find((p) => p.id === code)?.name ?? code;
    case 'department':
      return departmentName(lk.departments, code);
    case 'owner':
      return code.slice(0, 8);
    default:
      return code;
  }
}

// ---- the request, kept in the address ----

interface Request {
  def: KindDef;
  unit: string;
  date: string;
  dimension: string;
  region: string;
  industry: string;
  level: string;
  departmentId: string;
  ownerId: string;
  productLineId: string;
}

const FILTERS = ['region', 'industry', 'level', 'departmentId', 'ownerId', 'productLineId'] as const;

function requestOf(route: Route): Request {
  const q = route.query;
  const def = KINDS.find((k) => k.slug === route.parts[1]) ?? KINDS[0];
  const dimension = q.get('dimension') ?? '';
  return {
    def,
    unit: q.get('unit') || 'PERIOD_UNIT_YEAR',
    date: q.get('date') || today(),
    dimension: def.dimensions?.includes(dimension) ? dimension : def.dimensions?.[0] ?? '',
    region: q.get('region') ?? '',
    industry: q.get('industry') ?? '',
    level: q.get('level') ?? '',
    departmentId: q.get('departmentId') ?? '',
    ownerId: q.get('ownerId') ?? '',
    productLineId: def.byProduct ? q.get('productLineId') ?? '' : '',
  };
}

function routeOf(r: Request): string {
  const q = new URLSearchParams({ unit: r.unit, date: r.date });
  if (r.dimension) q.set('dimension', r.dimension);
  for (const f of FILTERS) if (r[f]) q.set(f, r[f]);
  return `/reports/${r.def.slug}?${q}`;
}

// The API's query: period and filter fields dotted.
function apiQuery(r: Request): Query {
  return {
    kind: r.def.kind,
    'period.unit': r.unit,
    'period.date': r.date,
    dimension: r.dimension,
    'filter.region': r.region,
    'filter.industry': r.industry,
    'filter.level': r.level,
    'filter.departmentId': r.departmentId,
    'filter.ownerId': r.ownerId,
    'filter.productLineId': r.productLineId,
  };
}

// ---- charts ----

// A chart drawn with the lazily loaded library; disposed on unmount, resized with the window.
function ChartView({ option, name }: { option: ChartOption; name: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<Chart | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    import('../charts').then((m) => {
      if (!live || !el.current) return;
      chart.current = m.draw(el.current, option);
      el.current.dataset.drawn = 'true';
    }, setError);
    return () => {
      live = false;
    };
  }, [option]);
  useEffect(() => {
    const onResize = () => chart.current?.resize();
    window.addEventListener('resize', onResize);
    return () => {
      window.removeEventListener('resize', onResize);
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);
  return (
    <>
      <ErrorBox error={error} />
      <div ref={el} class="chart" data-chart={name} role="img" aria-label={name} />
    </>
  );
}

const TOP = 15;
const moneyTooltip = { trigger: 'axis', valueFormatter: (v: unknown) => (typeof v === 'number' ? yuan(v) : String(v ?? '')) };
const moneyAxis = { type: 'value', axisLabel: { formatter: (v: number) => compact(v) } };
const categoryAxis = (data: string[]) => ({
  type: 'category',
  data,
  axisLabel: { interval: 0, rotate: data.length > 4 ? 30 : 0, width: 90, overflow: 'truncate' },
});
const grid = { left: 8, right: 8, top: 40, bottom: 8, containLabel: true };
const legend = { top: 0, type: 'scroll' };

function bars(labels: string[], series: [string, number[]][], stack?: string): ChartOption {
  return {
    tooltip: moneyTooltip,
    legend,
    grid,
    xAxis: categoryAxis(labels),
    yAxis: moneyAxis,
    series: series.map(([name, data]) => ({ type: 'bar', name, data, stack, barMaxWidth: 28 })),
  };
}

function pie(items: [string, number][], money = false): ChartOption {
  return {
    tooltip: {
      trigger: 'item',
      valueFormatter: (v: unknown) => (money ? yuan(Number(v)) : Number(v).toLocaleString(locale())),
    },
    legend,
    series: [
      {
        type: 'pie',
        radius: ['35%', '65%'],
        top: 30,
        data: items.filter(([, v]) => v > 0).map(([name, value]) => ({ name, value })),
        label: { formatter: '{b}: {d}%' },
      },
    ],
  };
}

// The service report's buckets: every month (every day, for a day or week) of the period, so
// that quiet months show as such.
function bucketsOf(r: Report, present: string[]): string[] {
  const s = r.startDate, e = r.endDate;
  const out = new Set<string>();
  if (s?.year && e?.year) {
    const byDay = present.some((b) => b.length === 10);
    const pad = (n: number) => String(n).padStart(2, '0');
    const d = new Date(Date.UTC(s.year, (s.month ?? 1) - 1, s.day ?? 1));
    const end = Date.UTC(e.year, (e.month ?? 1) - 1, e.day ?? 1);
    while (d.getTime() <= end && out.size < 400) {
      const key = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
      out.add(byDay ? `${key}-${pad(d.getUTCDate())}` : key);
      d.setUTCDate(d.getUTCDate() + 1);
    }
  }
  for (const b of present) out.add(b);
  return [...out].sort();
}

// The chart of a report; undefined when there is nothing to draw.
function chartOf(r: Report, rows: Row[], label: (row: Row) => string, lk: Lookups): ChartOption | undefined {
  const cols = r.columns ?? [];
  const title = (key: string) => columnTitle(cols.find((c) => c.key === key) ?? { key, title: key, kind: '' });
  const totals = rowsOf(r.totalColumns ?? [], [r.totals ?? {}])[0] ?? {};
  const top = rows.slice(0, TOP);
  const series = (keys: string[]) => keys.map((k) => [title(k), top.map((x) => num(x[k]))] as [string, number[]]);
  switch (r.kind) {
    case 'REPORT_KIND_SALES_PERFORMANCE': {
      const keys = ['contracted', 'delivered', 'received'];
      if (top.some((x) => x.target && Object.keys(x.target).length)) keys.push('target');
      return top.length ? bars(top.map(label), series(keys)) : undefined;
    }
    case 'REPORT_KIND_CUSTOMER_CONTRIBUTION': {
      if (!top.length) return undefined;
      const o: any = bars(top.map(label), series(['contracted', 'received']));
      o.yAxis = [moneyAxis, { type: 'value', max: 1, axisLabel: { formatter: (v: number) => percent(v) } }];
      o.tooltip = { trigger: 'axis' };
      o.series.push({ type: 'line', name: title('cumulative_share'), yAxisIndex: 1, data: top.map((x) => num(x.cumulative_share)) });
      return o;
    }
    case 'REPORT_KIND_RECEIVABLES_AGING':
      return top.length
        ? bars(top.map(label), series(['not_due', 'overdue_1_30', 'overdue_31_60', 'overdue_61_90', 'overdue_over_90']), 'aging')
        : undefined;
    case 'REPORT_KIND_CUSTOMER_COMPOSITION':
      return rows.length ? pie(rows.map((x) => [label(x), num(x.end_count)])) : undefined;
    case 'REPORT_KIND_CUSTOMER_VALUE': {
      const keys = ['most_valuable', 'ordinary', 'lost_most_valuable', 'potential'];
      const items = keys.map((k) => [L((r.totalColumns ?? []).find((c) => c.key === k)?.title ?? k, COLUMN_EN[k]), num(totals[k])] as [string, number]);
      return items.some(([, v]) => v > 0) ? pie(items) : undefined;
    }
    case 'REPORT_KIND_CUSTOMER_CHURN': {
      const keys = ['warned', 'delayed', 'lost', 'recovered'];
      if (!keys.some((k) => num(totals[k]) > 0)) return undefined;
      return {
        tooltip: { trigger: 'axis' },
        grid,
        xAxis: categoryAxis(keys.map((k) => L(CHURN_STEP[k === 'lost' ? 'confirmed' : k][0], COLUMN_EN[k]))),
        yAxis: { type: 'value', minInterval: 1 },
        series: [{ type: 'bar', name: L('客户数', 'Customers'), data: keys.map((k) => num(totals[k])), barMaxWidth: 40 }],
      };
    }
    case 'REPORT_KIND_PIPELINE_FUNNEL':
      return rows.length
        ? {
            tooltip: { trigger: 'item' },
            series: [
              {
                type: 'funnel',
                top: 10,
                bottom: 10,
                sort: 'none',
                minSize: '8%',
                label: { formatter: '{b}: {c}' },
                data: rows.map((x) => ({ name: label(x), value: num(x.reached) })),
              },
            ],
          }
        : undefined;
    case 'REPORT_KIND_SERVICE_COMPOSITION': {
      if (!rows.length) return undefined;
      const buckets = bucketsOf(r, rows.map((x) => x.bucket?.text ?? ''));
      const types = [...new Set(rows.map((x) => x.type?.text ?? ''))];
      const sum = (key: string, b: string, t?: string) =>
        rows.filter((x) => x.bucket?.text === b && (t === undefined || x.type?.text === t)).reduce((s, x) => s + num(x[key]), 0);
      return {
        tooltip: { trigger: 'axis' },
        legend,
        grid,
        xAxis: categoryAxis(buckets),
        yAxis: { type: 'value', minInterval: 1 },
        series: [
          ...types.map((t) => ({
            type: 'bar',
            stack: 'created',
            name: `${title('created')} · ${lk.ticketTypes.get(t) ?? (t || L('未分类', 'Other'))}`,
            data: buckets.map((b) => sum('created', b, t)),
            barMaxWidth: 32,
          })),
          { type: 'line', name: title('archived'), data: buckets.map((b) => sum('archived', b)) },
        ],
      };
    }
  }
  return undefined;
}

// ---- the report screen ----

// The table's columns: a group's code and name become one column, ids are left out.
function tableColumns(r: Report, label: (row: Row) => string, lk: Lookups): Column<Row>[] {
  const cols = r.columns ?? [];
  const grouped = cols.some((c) => c.key === 'name') && cols.some((c) => ['key', 'value', 'stage'].includes(c.key));
  const out: Column<Row>[] = [];
  for (const c of cols) {
    if (c.key === 'customer_id' || (grouped && c.key === 'name')) continue;
    if (grouped && ['key', 'value', 'stage'].includes(c.key)) {
      out.push({ label: c.key === 'stage' ? columnTitle(c) : dimensionLabel(r.dimension ?? ''), render: label });
      continue;
    }
    let render = (x: Row) => formatCell(c, x[c.key]) as any;
    if (c.key === 'latest_step') {
      render = (x) => {
        const s = CHURN_STEP[x[c.key]?.text ?? ''];
        return <Badge tone={x[c.key]?.text === 'confirmed' ? 'bad' : 'warn'}>{s ? L(...s) : x[c.key]?.text}</Badge>;
      };
    } else if (c.key === 'segment') {
      render = (x) => {
        const t = x[c.key]?.text ?? '';
        return L(t, SEGMENT_EN[t] ?? t);
      };
    } else if (c.key === 'type') {
      render = (x) => lk.ticketTypes.get(x[c.key]?.text ?? '') ?? x[c.key]?.text ?? '';
    } else if (c.key === 'abc_class') {
      render = (x) => {
        const t = x[c.key]?.text ?? '';
        return <Badge tone={t === 'A' ? 'ok' : t === 'B' ? 'info' : 'warn'}>{t}</Badge>;
      };
    }
    out.push({ label: columnTitle(c), class: isNumeric(c) ? 'num' : undefined, render });
  }
  return out;
}

const PAGE = 100;

function ReportView({ route }: { route: Route }) {
  const req = requestOf(route);
  const key = routeOf(req);
  const lk = useLookups();
  const users = useUsers();
  const [tick, setTick] = useState(0);
  const data = useLoad(() => get<Report>('/v1/reports:run', { ...apiQuery(req), pageSize: PAGE }), [key, tick]);
  // Rows of the pages after the first, when asked for.
  const [more, setMore] = useState<{ rows: { cells?: Cell[] }[]; next?: string }>({ rows: [] });
  const paging = useAction();
  const exporter = useAction();
  useEffect(() => setMore({ rows: [] }), [data.data]);

  const set = (patch: Partial<Request>) => navigate(routeOf({ ...req, ...patch }));
  const r = data.data;
  const rows = useMemo(() => (r ? rowsOf(r.columns ?? [], [...(r.rows ?? []), ...more.rows]) : []), [r, more]);
  const dimension = r?.dimension ?? req.dimension;
  const label = (x: Row): string => {
    if (x.customer_name) return x.customer_name.text || L('（未知客户）', '(unknown customer)');
    const code = (x.key ?? x.value ?? x.stage)?.text ?? '';
    if (dimension === 'owner' && !x.name?.text && users.has(code)) return nameOf(users, code);
    return groupName(dimension, code, x.name?.text ?? '', lk);
  };
  const option = useMemo(() => (r ? chartOf(r, rows, label, lk) : undefined), [r, rows, lk, users]);
  const next = more.rows.length ? more.next : r?.nextPageToken;
  const violations = Object.fromEntries(
    Object.entries((data.error instanceof ApiError && data.error.violations) || {}).map(([k, v]) => [k, fieldMessage(v)]),
  );

  const loadMore = (token: string) =>
    paging.run(async () => {
      const p = await get<Report>('/v1/reports:run', { ...apiQuery(req), pageSize: PAGE, pageToken: token });
      setMore((m) => ({ rows: [...m.rows, ...(p.rows ?? [])], next: p.nextPageToken }));
    }, '');

  const exportCsv = () =>
    exporter.run(async () => {
      const parts = await stream<{ data?: string }>('/v1/reports:export', apiQuery(req));
      const chunks = parts.map((p) => Uint8Array.from(atob(p.data ?? ''), (c) => c.charCodeAt(0)));
      const first = chunks.find((c) => c.length);
      const bom = first && first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf;
      const blob = new Blob([...(bom ? [] : [new Uint8Array([0xef, 0xbb, 0xbf])]), ...chunks], {
        type: 'text/csv;charset=utf-8',
      });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `${reportKind(req.def.kind)}-${req.date}.csv`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      toast(L('报表已导出', 'The report was exported'));
    });

  const totals = r ? rowsOf(r.totalColumns ?? [], [r.totals ?? {}])[0] ?? {} : {};
  const customerLinks = can('customers.read') && rows.some((x) => x.customer_id?.text);
  return (
    <>
      <Panel class="report-filters">
        <div class="form">
          <Field label={L('报表', 'Report')} error={violations.kind}>
            <Select
              name="kind"
              value={req.def.kind}
              onChange={(kind) => set({ def: KINDS.find((k) => k.kind === kind)!, dimension: '' })}
              options={KINDS.map((k) => [k.kind, reportKind(k.kind)])}
            />
          </Field>
          <Field label={L('统计周期', 'Period')} error={violations['period.unit']}>
            <Select
              name="period.unit"
              value={req.unit}
              onChange={(unit) => set({ unit })}
              options={optionsOf('PERIOD_UNIT_', PERIOD_UNIT, periodUnit)}
            />
          </Field>
          <Field label={L('所在日期', 'Containing the day')} error={violations['period.date']}>
            <input
              type="date"
              name="period.date"
              value={req.date}
              onChange={(e) => e.currentTarget.value && set({ date: e.currentTarget.value })}
            />
          </Field>
          {req.def.dimensions && (
            <Field label={L('统计维度', 'Group by')} error={violations.dimension}>
              <Select
                name="dimension"
                value={req.dimension}
                onChange={(dimension) => set({ dimension })}
                options={req.def.dimensions.map((d) => [d, dimensionLabel(d)])}
              />
            </Field>
          )}
        </div>
        <details class="more-filters" open={FILTERS.some((f) => req[f])}>
          <summary>{L('筛选条件', 'Filters')}</summary>
          <div class="form">
            {(['region', 'industry', 'level'] as const).map((kind) => (
              <Field label={dimensionLabel(kind)} error={violations[`filter.${kind}`]}>
                <Select
                  name={`filter.${kind}`}
                  value={req[kind]}
                  empty={L('全部', 'All')}
                  onChange={(v) => set({ [kind]: v })}
                  options={[...lk.dictionary]
                    .filter(([k]) => k.startsWith(`${kind}:`))
                    .map(([k, name]) => [k.slice(kind.length + 1), name] as [string, string])}
                />
              </Field>
            ))}
            {lk.departments.length > 0 && (
              <Field label={L('部门（含下级）', 'Department (with sub-departments)')} error={violations['filter.department_id']}>
                <Select
                  name="filter.departmentId"
                  value={req.departmentId}
                  empty={L('全部', 'All')}
                  onChange={(departmentId) => set({ departmentId })}
                  options={departmentOptions(lk.departments)}
                />
              </Field>
            )}
            {users.size > 0 && (
              <Field label={L('负责人', 'Owner')} error={violations['filter.owner_id']}>
                <Select
                  name="filter.ownerId"
                  value={req.ownerId}
                  empty={L('全部', 'All')}
                  onChange={(ownerId) => set({ ownerId })}
                  options={humanOptions(users)}
                />
              </Field>
            )}
            {req.def.byProduct && lk.productLines.length > 0 && (
              <Field label={L('产品线', 'Product line')} error={violations['filter.product_line_id']}>
                <Select
                  name="filter.productLineId"
                  value={req.productLineId}
                  empty={L('全部', 'All')}
                  onChange={(productLineId) => set({ productLineId })}
                  options={lk.productLines.map((p) => [p.id, p.name])}
                />
              </Field>
            )}
          </div>
        </details>
        <div class="buttons">
          <button type="button" class="primary" data-action="run" disabled={data.loading} onClick={() => setTick(tick + 1)}>
            {L('查询', 'Run')}
          </button>
          <button type="button" data-action="export" disabled={!!exporter.busy || !r} onClick={exportCsv}>
            {exporter.busy ? L('导出中…', 'Exporting…') : L('导出 CSV', 'Export CSV')}
          </button>
        </div>
        <ErrorBox error={exporter.error} />
      </Panel>
      <ErrorBox error={data.error} />
      <Loading loading={data.loading} />
      {r && (
        <>
          <p class="hint report-meta">
            {reportKind(r.kind)} · {date(r.startDate)} ~ {date(r.endDate)} · {L(`共 ${r.totalRows ?? 0} 行`, `${r.totalRows ?? 0} rows`)}
            {r.dataTime ? ` · ${L('数据截至', 'Data as of')} ${dateTime(r.dataTime)}` : ''}
          </p>
          {(r.totalColumns ?? []).length > 0 && (
            <div class="stats report-totals">
              {(r.totalColumns ?? []).map((c) => (
                <Stat label={columnTitle(c)}>{formatCell(c, totals[c.key])}</Stat>
              ))}
            </div>
          )}
          <Panel title={L('图表', 'Chart')}>
            {option ? (
              <ChartView option={option} name={req.def.slug} />
            ) : (
              <p class="empty">{L('本期没有可绘制的数据', 'Nothing to draw for this period')}</p>
            )}
          </Panel>
          <Panel title={L('明细', 'Details')}>
            <Table
              rows={rows}
              columns={tableColumns(r, label, lk)}
              onRow={customerLinks ? (x) => x.customer_id?.text && navigate(`/customers/${x.customer_id.text}`) : undefined}
              empty={L('本期没有数据', 'No data for this period')}
            />
            <ErrorBox error={paging.error} />
            <MoreButton token={next} onMore={loadMore} />
          </Panel>
          <span data-ready="report" data-kind={r.kind} hidden />
        </>
      )}
    </>
  );
}

// ---- sales targets ----

interface Target {
  subject: string;
  subjectId: string;
  unit: string;
  startDate?: DateJson;
  amount?: Money;
  departmentId?: string;
  setBy?: string;
  updateTime?: string;
}

const TARGET_UNITS = ['PERIOD_UNIT_YEAR', 'PERIOD_UNIT_QUARTER', 'PERIOD_UNIT_MONTH'];

function periodName(unit: string, d?: DateJson): string {
  if (!d?.year) return '';
  if (unit === 'PERIOD_UNIT_YEAR') return L(`${d.year} 年`, `${d.year}`);
  if (unit === 'PERIOD_UNIT_QUARTER') return L(`${d.year} 年第 ${Math.ceil((d.month ?? 1) / 3)} 季度`, `${d.year} Q${Math.ceil((d.month ?? 1) / 3)}`);
  return L(`${d.year} 年 ${d.month} 月`, `${d.year}-${String(d.month).padStart(2, '0')}`);
}

function Targets() {
  const users = useUsers();
  const lk = useLookups();
  const [year, setYear] = useState(String(new Date().getFullYear()));
  const [unit, setUnit] = useState('');
  const [subject, setSubject] = useState('');
  const list = useLoad(
    () => get('/v1/salesTargets', { year: /^\d{4}$/.test(year) ? year : undefined, unit, subject }),
    [year, unit, subject],
  );
  const deletion = useAction();
  // The target being changed (chosen from the list), or none for a new one.
  const [editing, setEditing] = useState<Target | null>(null);
  const writable = can('analytics.targets.write');
  const subjectName = (t: Target) =>
    t.subject === 'TARGET_SUBJECT_USER'
      ? nameOf(users, t.subjectId)
      : departmentName(lk.departments, t.subjectId);

  const remove = (t: Target) =>
    confirm(L(`删除 ${subjectName(t)} ${periodName(t.unit, t.startDate)} 的目标？`, `Delete the target of ${subjectName(t)} for ${periodName(t.unit, t.startDate)}?`)) &&
    deletion.run(async () => {
      await api('DELETE', `/v1/salesTargets/${t.subjectId}`, {
        query: { subject: t.subject, unit: t.unit, startDate: date(t.startDate) },
      });
      toast(L('目标已删除', 'Target deleted'));
      list.reload();
    });

  return (
    <>
      {writable && (
        <TargetForm
          key={editing ? `${editing.subjectId}:${editing.unit}:${date(editing.startDate)}` : 'new'}
          target={editing}
          users={users}
          departments={lk.departments}
          onSaved={() => {
            setEditing(null);
            list.reload();
          }}
          onCancel={() => setEditing(null)}
        />
      )}
      <Panel title={L('销售目标', 'Sales targets')}>
        <div class="filters">
          <input name="year" type="number" min="2000" max="2100" value={year} placeholder={L('年份', 'Year')} onInput={(e) => setYear(e.currentTarget.value)} />
          <Select name="unit" value={unit} onChange={setUnit} empty={L('全部周期', 'Any period')} options={TARGET_UNITS.map((u) => [u, periodUnit(u)])} />
          <Select
            name="subject"
            value={subject}
            onChange={setSubject}
            empty={L('个人和部门', 'People and departments')}
            options={optionsOf('TARGET_SUBJECT_', TARGET_SUBJECT, targetSubject)}
          />
        </div>
        <ErrorBox error={list.error} />
        <ErrorBox error={deletion.error} />
        <Loading loading={list.loading && !list.data} />
        <Table<Target>
          rows={list.data?.targets ?? (list.data ? [] : undefined)}
          onRow={writable ? setEditing : undefined}
          empty={L('没有设定目标', 'No targets set')}
          columns={[
            { label: L('对象', 'For'), render: (t) => <span>{subjectName(t)} <Badge>{targetSubject(t.subject)}</Badge></span> },
            { label: L('周期', 'Period'), render: (t) => periodName(t.unit, t.startDate) },
            { label: L('目标金额', 'Target'), class: 'num', render: (t) => money(t.amount) },
            { label: L('设定人', 'Set by'), render: (t) => nameOf(users, t.setBy) },
            { label: L('更新时间', 'Updated'), render: (t) => dateTime(t.updateTime) },
            ...(writable
              ? [
                  {
                    label: '',
                    render: (t: Target) => (
                      <button
                        type="button"
                        class="link danger"
                        data-action="delete"
                        onClick={(e) => {
                          e.stopPropagation();
                          remove(t);
                        }}
                      >
                        {L('删除', 'Delete')}
                      </button>
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

function TargetForm(props: {
  target: Target | null;
  users: Map<string, User>;
  departments: Department[];
  onSaved: () => void;
  onCancel: () => void;
}) {
  const t = props.target;
  const f = useForm({
    subject: t?.subject ?? 'TARGET_SUBJECT_USER',
    subjectId: t?.subjectId ?? '',
    departmentId: t?.departmentId ?? '',
    unit: t?.unit ?? 'PERIOD_UNIT_YEAR',
    startDate: date(t?.startDate) || today(),
    amount: t ? String(moneyValue(t.amount)) : '',
  });
  const v = f.values;
  const person = v.subject === 'TARGET_SUBJECT_USER';
  return (
    <Panel title={t ? L('修改目标', 'Change the target') : L('设定目标', 'Set a target')}>
      <form
        class="form"
        onSubmit={f.submit(async (x) => {
          const amount = parseMoney(x.amount);
          if (!amount) throw invalid({ 'target.amount': L('请输入金额，最多两位小数', 'Enter an amount with at most two decimals') });
          await post('/v1/salesTargets', {
            target: {
              subject: x.subject,
              subjectId: x.subjectId,
              unit: x.unit,
              startDate: toDate(x.startDate),
              amount,
              departmentId: person ? x.departmentId : undefined,
            },
          });
          toast(L('目标已保存', 'Target saved'));
          f.reset({ ...x, amount: '' });
          props.onSaved();
        })}
      >
        <ErrorBox error={f.error} />
        <Field label={L('对象类型', 'For')} error={f.errors.subject}>
          <Select
            disabled={!!t}
            name="subject"
            value={v.subject}
            onChange={(s) => {
              f.set('subject', s);
              f.set('subjectId', '');
            }}
            options={optionsOf('TARGET_SUBJECT_', TARGET_SUBJECT, targetSubject)}
          />
        </Field>
        <Field label={person ? L('人员', 'Person') : L('部门', 'Department')} error={f.errors.subjectId}>
          <Select
            disabled={!!t}
            name="subjectId"
            value={v.subjectId}
            empty={L('请选择', 'Choose')}
            onChange={(id) => {
              f.set('subjectId', id);
              if (person) f.set('departmentId', props.users.get(id)?.departmentId ?? '');
            }}
            options={person ? humanOptions(props.users) : departmentOptions(props.departments)}
          />
        </Field>
        {person && (
          <Field label={L('所属部门', 'Department')} error={f.errors.departmentId}>
            <Select
              name="departmentId"
              value={v.departmentId}
              empty={L('请选择', 'Choose')}
              onChange={(id) => f.set('departmentId', id)}
              options={departmentOptions(props.departments)}
            />
          </Field>
        )}
        <Field label={L('周期', 'Period')} error={f.errors.unit}>
          <Select name="unit" disabled={!!t} value={v.unit} onChange={(u) => f.set('unit', u)} options={TARGET_UNITS.map((u) => [u, periodUnit(u)])} />
        </Field>
        <Field label={L('周期内任一日', 'Any day of the period')} error={f.errors.startDate}>
          <input type="date" {...f.bind('startDate')} disabled={!!t} />
        </Field>
        <Field label={L('目标金额（元）', 'Amount (CNY)')} error={f.errors.amount}>
          <input {...f.bind('amount')} inputMode="decimal" placeholder="1000000" />
        </Field>
        <FormButtons busy={f.busy} action="save" label={L('保存目标', 'Save target')} onCancel={t ? props.onCancel : undefined} />
      </form>
    </Panel>
  );
}

// ---- freshness of the read models ----

const SOURCES: Record<string, [string, string]> = {
  auth: ['组织与用户', 'Organisation and users'],
  customers: ['客户', 'Customers'],
  pipeline: ['商机', 'Opportunities'],
  contracts: ['合同', 'Contracts'],
  payments: ['回款', 'Payments'],
  service: ['客户服务', 'Service'],
};

function Freshness() {
  const status = useLoad(() => get('/v1/ingestionStatus'), []);
  return (
    <Panel
      title={L('报表数据更新状态', 'How fresh the report data is')}
      actions={
        <button type="button" data-action="refresh" onClick={status.reload} disabled={status.loading}>
          {L('刷新', 'Refresh')}
        </button>
      }
    >
      <p class="hint">
        {L(
          '报表由各业务服务的事件汇总而成，通常在数秒内更新。',
          "Reports are built from the services' events, usually within seconds.",
        )}
      </p>
      <ErrorBox error={status.error} />
      <Loading loading={status.loading && !status.data} />
      <Table<any>
        rows={status.data?.sources ?? (status.data ? [] : undefined)}
        columns={[
          { label: L('数据来源', 'Source'), render: (s) => (SOURCES[s.source] ? L(...SOURCES[s.source]) : s.source) },
          { label: L('已处理事件', 'Events applied'), class: 'num', render: (s) => Number(s.appliedEvents ?? 0).toLocaleString(locale()) },
          { label: L('最新事件时间', 'Latest event'), render: (s) => dateTime(s.lastEventTime) || L('尚无', 'None yet') },
          { label: L('处理时间', 'Applied'), render: (s) => dateTime(s.lastApplyTime) },
          {
            label: L('延迟', 'Delay'),
            render: (s) => {
              if (!s.lastEventTime || !s.lastApplyTime) return '';
              const lag = (Date.parse(s.lastApplyTime) - Date.parse(s.lastEventTime)) / 1000;
              return <Badge tone={lag > 60 ? 'warn' : 'ok'}>{lag < 60 ? L(`${lag.toFixed(1)} 秒`, `${lag.toFixed(1)} s`) : duration(lag)}</Badge>;
            },
          },
        ]}
      />
    </Panel>
  );
}

// ---- the screen ----

export default function Reports({ route }: { route: Route }) {
  const section = route.parts[1] ?? '';
  const tab = section === 'targets' ? 'targets' : section === 'status' ? 'status' : 'report';
  useEffect(() => {
    if (!section) navigate(routeOf(requestOf(route)));
  }, [section]);
  const [lastReport, setLastReport] = useState('');
  useEffect(() => {
    if (tab === 'report') setLastReport(`${route.path}?${route.query}`);
  }, [tab, route.path, route.query.toString()]);
  return (
    <Page title={L('统计报表', 'Reports')}>
      <Tabs
        tabs={[
          ['report', L('报表', 'Reports')],
          ['targets', L('销售目标', 'Sales targets')],
          ['status', L('数据更新', 'Data freshness')],
        ]}
        active={tab}
        onChange={(id) => navigate(id === 'report' ? lastReport || '/reports/sales' : `/reports/${id}`)}
      />
      {tab === 'targets' ? <Targets /> : tab === 'status' ? <Freshness /> : section ? <ReportView route={route} /> : null}
    </Page>
  );
}
