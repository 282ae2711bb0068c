// The soak: a mixed load shaped like the demo organisation's users, through the gateway's
// HTTP/JSON API only, for a configured time, while faults are injected into the stack; then the
// check that no acknowledged write was lost or doubled. Node.js 20, no dependencies.
//
//   node tests/soak/soak.mjs --root=<repo> --local=<CRM_LOCAL> --port-offset=2000
//        --artefacts=<dir> [--minutes=10] [--clients=16] [--think-ms=150] [--no-faults]
//
// tests/soak/run.sh starts the stack this expects (scripts/up.sh with CRM_LOCAL and
// CRM_PORT_OFFSET) and stops it again. Exit code: 0 all checks passed, 1 an acknowledged write
// is missing or a write appears more than once, 2 the load could not run.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readlinkSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';

// ---------------------------------------------------------------------------------------------
// Options

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}`);
    return [m[1], m[2] ?? 'true'];
  }),
);
const root = path.resolve(args.root ?? path.join(path.dirname(new URL(import.meta.url).pathname), '../..'));
const local = path.resolve(args.local ?? path.join(root, '.local/soak'));
const offset = Number(args['port-offset'] ?? 2000);
const artefacts = path.resolve(args.artefacts ?? path.join(root, '.local/artefacts/soak'));
const minutes = Number(args.minutes ?? 10);
const clients = Number(args.clients ?? 16);
const thinkMs = Number(args['think-ms'] ?? 150);
const faultsOn = args['no-faults'] !== 'true';
if (!(minutes > 0) || !(clients > 0)) throw new Error('--minutes and --clients must be positive');

const port = (p) => p + offset;
const base = `http://localhost:${port(8080)}`;
const durationMs = minutes * 60_000;
const scale = minutes / 10; // the fault schedule is written for 10 minutes
const QUIET_MS = 5_000; // recovery: this long without errors of the dependent operations
const WRITE_RETRY_MS = 90_000; // a write of unknown outcome is retried this long
const REQUEST_TIMEOUT_MS = 15_000; // the client's deadline per HTTP request
const REFRESH_EVERY_MS = Math.max(20_000, 120_000 * scale); // sessions refresh this often
const runId = 'SK' + randomBytes(3).toString('hex');
const password = readFileSync(path.join(local, 'secrets/demo-password'), 'utf8').trim();
const crmctl = path.join(process.env.CRM_BUILD ?? path.join(root, 'build'), 'tests/tools/crmctl');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let t0 = Date.now(); // reset when the load starts
const now = () => Date.now() - t0; // ms since the load started
const sec = (ms) => (ms / 1000).toFixed(1);
const log = (msg) => process.stderr.write(`[soak ${sec(now()).padStart(6)}s] ${msg}\n`);
let seed = Number(args.seed ?? Date.now()) >>> 0;
const rand = () => { // mulberry32
  let t = (seed = (seed + 0x6d2b79f5) >>> 0);
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const pickWeighted = (table) => {
  const total = Object.values(table).reduce((a, b) => a + b, 0);
  let x = rand() * total;
  for (const [k, w] of Object.entries(table)) if ((x -= w) < 0) return k;
  return Object.keys(table)[0];
};
const shanghaiDate = (d = new Date()) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
const dateObj = (s) => {
  const [year, month, day] = s.split('-').map(Number);
  return { year, month, day };
};

const CODES = ['OK', 'CANCELLED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS',
  'PERMISSION_DENIED', 'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED',
  'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED'];

// ---------------------------------------------------------------------------------------------
// Recording: one sample per HTTP request the load makes.

const samples = []; // {op, user, start, end, ms, ok, key, sections}
const examples = new Map(); // error key → first message seen

// The backend behind each section of the composed views: a section that fails while the call
// answers 200 is a partial answer, counted against that backend.
const SECTION_BACKEND = {
  profile: 'customers', contacts: 'customers', interactions: 'customers', opportunities: 'pipeline',
  contracts: 'contracts', receivables: 'payments', tickets: 'service', orders: 'salesys',
  followUpsDue: 'customers', lossWarnings: 'customers', openTickets: 'service', overdueTickets: 'service',
  overdueInstallments: 'payments',
};
// Section codes that are answers, not failures (a role without the permission for a section).
const SECTION_ANSWERS = new Set([0, 5, 7]);

// node:http rather than fetch: fetch refuses the "bad ports" of the Fetch standard, and the
// gateway's port under the soak's offset (8080 + 2000 = 10080) is one of them.
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function send(method, pathAndQuery, headers, body) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    if (data) headers['Content-Length'] = data.length;
    const req = httpRequest(base + pathAndQuery, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    const timer = setTimeout(() => {
      const e = new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`);
      e.name = 'TimeoutError';
      req.destroy(e);
    }, REQUEST_TIMEOUT_MS);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(data);
  });
}

async function http(session, op, method, pathAndQuery, body, who = session?.username ?? '-') {
  const start = now();
  const headers = { 'Content-Type': 'application/json' };
  if (session) headers.Authorization = `Bearer ${session.accessToken}`;
  let status = 0, json = null, key, message = '';
  try {
    const res = await send(method, pathAndQuery, headers, body);
    status = res.status;
    const text = res.text;
    try { json = text ? JSON.parse(text) : {}; } catch { json = null; message = text.slice(0, 200); }
    if (status === 200) key = 'OK';
    else {
      const code = json && typeof json.code === 'number' ? CODES[json.code] ?? `code ${json.code}` : 'no status';
      key = `${status} ${code}`;
      message = json?.message ?? message;
    }
  } catch (e) {
    status = 0;
    key = e.name === 'TimeoutError' ? 'client deadline' : `network ${e.code ?? e.name}`;
    message = e.message;
  }
  const end = now();
  const sections = [];
  if (status === 200 && json && (op === 'Customer360' || op === 'Workbench')) {
    for (const [name, sec] of Object.entries(json)) {
      const code = sec?.status?.code ?? 0;
      if (!SECTION_ANSWERS.has(code)) {
        sections.push({ name, backend: SECTION_BACKEND[name] ?? name, code: CODES[code] ?? String(code) });
        const k = `${op} section ${name} ${CODES[code] ?? code}`;
        if (!examples.has(k)) examples.set(k, sec.status.message ?? '');
      }
    }
  }
  const ok = status === 200;
  samples.push({ op, user: who, start, end, ms: end - start, ok, key, sections });
  if (!ok && !examples.has(`${op} ${key}`)) examples.set(`${op} ${key}`, message);
  return { status, json, key, ok, unknown: isUnknownOutcome(status) };
}

// Whether a failed attempt may have reached the service and been carried out (the connection
// broke or the deadline passed after the request was sent, or a 500/504): the retries after
// such an attempt are the ones that test idempotency. Refused connections and 503 are not.
const isAmbiguous = (key) => /ECONNRESET|EPIPE|client deadline|^50[024] |^499 /.test(key);

// Whether a failed request may have been carried out anyway (or was refused only for now):
// such a write is retried with the same request id. 4xx other than these are definite.
function isUnknownOutcome(status) {
  return status === 0 || status >= 500 || status === 499 || status === 429 || status === 408;
}

// ---------------------------------------------------------------------------------------------
// Sessions: one per user, shared by that user's clients; signed in once, refreshed before the
// access token expires (and every REFRESH_EVERY_MS, so refreshes happen during the faults), or
// after a 401.

class Session {
  constructor(username) {
    this.username = username;
    this.accessToken = '';
    this.renewing = null;
  }
  // Waits for a renewal only when the access token is missing or about to expire; a routine
  // refresh runs beside the calls, which go on with the current token meanwhile.
  async ready() {
    if (!this.accessToken || Date.now() > this.expiresAt - 60_000) return this.renew();
    if (Date.now() - this.issuedAt > REFRESH_EVERY_MS) this.renew().catch(() => {});
  }
  // One renewal at a time per user: refresh, or sign in again when that fails.
  renew(stale) {
    if (stale && stale !== this.accessToken) return Promise.resolve(); // someone renewed already
    this.renewing ??= this.#renew().finally(() => (this.renewing = null));
    return this.renewing;
  }
  async #renew() {
    if (this.refreshToken) {
      const r = await http(null, 'Refresh', 'POST', '/v1/auth:refresh', { refreshToken: this.refreshToken }, this.username);
      if (r.ok) return this.#take(r.json.tokens);
      // A refresh of unknown outcome may have replaced the refresh token already; presenting it
      // again would revoke the session, so sign in afresh instead.
      this.refreshToken = '';
    }
    const since = Date.now();
    for (let attempt = 0; ; attempt++) {
      const r = await http(null, 'Login', 'POST', '/v1/auth:login', { username: this.username, password }, this.username);
      if (r.ok) {
        this.userId = r.json.user.id;
        this.departmentId = r.json.user.departmentId;
        return this.#take(r.json.tokens);
      }
      if (!r.unknown || Date.now() - since > 180_000) throw new Error(`${this.username} cannot sign in: ${r.key}`);
      await sleep(Math.min(5000, 250 * 2 ** attempt));
    }
  }
  #take(tokens) {
    this.accessToken = tokens.accessToken;
    this.refreshToken = tokens.refreshToken;
    this.expiresAt = Date.parse(tokens.accessTokenExpireTime);
    this.issuedAt = Date.now();
  }
}

// A call as a user: renews the session first when due, and once more after a 401.
async function call(session, op, method, pathAndQuery, body) {
  await session.ready();
  const token = session.accessToken;
  let r = await http(session, op, method, pathAndQuery, body);
  if (r.status === 401) {
    await session.renew(token);
    r = await http(session, op, method, pathAndQuery, body);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// Writes: every attempt recorded; a write of unknown outcome retried with the same request id.

const writes = []; // {kind, marker, requestId, user, customerId, attempts: [key], outcome, id, ...}

async function write(session, kind, pathAndQuery, body, record) {
  const w = { kind, user: session.username, requestId: body.requestId, ...record, attempts: [], start: now() };
  writes.push(w);
  for (let attempt = 0; ; attempt++) {
    let r;
    try {
      r = await call(session, kind, 'POST', pathAndQuery, body);
    } catch (e) {
      r = { ok: false, unknown: true, key: `session ${e.message}` }; // could not even sign in
    }
    w.attempts.push(r.key);
    if (r.ok) {
      Object.assign(w, { outcome: 'acknowledged', id: r.json.id, end: now() });
      return w;
    }
    if (!r.unknown) {
      Object.assign(w, { outcome: 'rejected', end: now() });
      return w;
    }
    if (now() - w.start >= WRITE_RETRY_MS) {
      Object.assign(w, { outcome: 'given up', end: now() });
      return w;
    }
    await sleep(Math.min(8000, 250 * 2 ** attempt) * (0.75 + rand() / 2));
  }
}

// ---------------------------------------------------------------------------------------------
// The users and what they do, shaped like the seed's roles.

const USERS = {
  'chen.jie': 'account_manager', 'liu.yang': 'account_manager', 'sun.mei': 'account_manager',
  'zhou.tao': 'account_manager', 'li.na': 'sales_manager', 'qian.hui': 'finance',
  'lin.xue': 'service_agent', 'zhang.wei': 'executive',
};
// The clients, in order: with 16, the four account managers twice, every other user twice.
const CLIENT_USERS = ['chen.jie', 'liu.yang', 'sun.mei', 'zhou.tao', 'lin.xue', 'qian.hui', 'li.na', 'zhang.wei'];
const MIX = {
  account_manager: { Workbench: 15, Customer360: 20, ListCustomers: 12, SearchCustomers: 18, ListOpportunities: 10,
    ListTickets: 6, CreateCustomer: 7, CreateInteraction: 11 },
  sales_manager: { Workbench: 20, Customer360: 20, ListCustomers: 15, SearchCustomers: 15, ListOpportunities: 20,
    ListTickets: 10 },
  finance: { ListReceivables: 45, Customer360: 15, SearchCustomers: 20, Workbench: 10, ListCustomers: 10 },
  service_agent: { ListTickets: 35, SearchCustomers: 20, Customer360: 20, Workbench: 10, CreateTicket: 10 },
  executive: { RunReport: 25, Workbench: 10, ListOpportunities: 20, SearchCustomers: 20, ListReceivables: 10,
    Customer360: 15 },
};
const SEARCH_TERMS = ['科技', '华', '集团', '有限', '华为', '电子', '北京', '上海', '信息技术', '物流', '医药', '股份'];
const TICKET_TERMS = ['发票', '死机', '培训', '到货', '升级', '审批', '咨询'];
const REPORTS = ['REPORT_KIND_SALES_PERFORMANCE', 'REPORT_KIND_CUSTOMER_CONTRIBUTION', 'REPORT_KIND_PIPELINE_FUNNEL',
  'REPORT_KIND_RECEIVABLES_AGING', 'REPORT_KIND_CUSTOMER_COMPOSITION', 'REPORT_KIND_SERVICE_COMPOSITION',
  'REPORT_KIND_CUSTOMER_CHURN'];
const CITIES = [['北京', 'north'], ['上海', 'east'], ['杭州', 'east'], ['南京', 'east'], ['广州', 'south'],
  ['深圳', 'south'], ['成都', 'southwest'], ['武汉', 'central'], ['西安', 'northwest'], ['沈阳', 'northeast']];
const TRADES = [['科技', 'it'], ['电子', 'it'], ['机械', 'manufacturing'], ['医药', 'healthcare'],
  ['物流', 'logistics'], ['贸易', 'retail'], ['能源', 'energy'], ['建设', 'construction']];
const SYLLABLES = ['华', '恒', '瑞', '鑫', '宏', '盛', '泰', '安', '达', '通', '远', '信', '诚', '嘉'];
const VISITS = [['INTERACTION_METHOD_PHONE', '电话沟通本季度采购需求'], ['INTERACTION_METHOD_VISIT', '上门拜访，介绍新产品线'],
  ['INTERACTION_METHOD_EMAIL', '发送报价单及技术方案'], ['INTERACTION_METHOD_MEETING', '参加客户年度供应商大会'],
  ['INTERACTION_METHOD_MESSAGE', '微信确认交付时间']];
const PROBLEMS = [['complaint', 'TICKET_CHANNEL_PHONE', '发票抬头开错', '客户财务来电：发票抬头写成了旧公司名称，要求作废重开。'],
  ['consultation', 'TICKET_CHANNEL_EMAIL', '咨询数据分析平台升级', '客户来邮件询问升级到企业版的费用和实施周期。'],
  ['complaint', 'TICKET_CHANNEL_VISIT', '设备安装后频繁死机', '客户反映新装设备每天死机两三次，影响生产线排班。'],
  ['suggestion', 'TICKET_CHANNEL_ONLINE', '建议增加移动端审批', '希望合同审批可以在手机上完成。'],
  ['consultation', 'TICKET_CHANNEL_PHONE', '培训课程安排', '客户希望为新员工安排一次系统操作培训。']];

const sessions = Object.fromEntries(Object.keys(USERS).map((u) => [u, new Session(u)]));
const pools = {}; // username → customers the user works on: [{id, name, linked}]
let seq = 0;
const marker = (kind) => `${runId}-${kind}${++seq}`;
const q = (params) =>
  '?' + Object.entries(params).filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');

// A customer to look at: now and then one linked to the sales system (its 360 view asks the
// sales system for its orders), otherwise any of the user's.
function someCustomer(username) {
  const pool = pools[username];
  const linked = pool.filter((c) => c.linked);
  return linked.length && rand() < 0.3 ? pick(linked) : pick(pool);
}

const OPS = {
  Workbench: (s) => call(s, 'Workbench', 'GET', '/v1/views/workbench'),
  Customer360: (s) => call(s, 'Customer360', 'GET', `/v1/customers/${someCustomer(s.username).id}:view360`),
  ListCustomers: (s) => {
    const filter = pick([{}, { region: pick(CITIES)[1] }, { level: pick(['ordinary', 'major', 'key_prospect']) },
      { nameContains: pick(SEARCH_TERMS) }]);
    return call(s, 'ListCustomers', 'GET', '/v1/customers' + q({ pageSize: 20, ...filter }));
  },
  SearchCustomers: (s) => call(s, 'SearchCustomers', 'GET', '/v1/customers:search' + q({ query: pick(SEARCH_TERMS), pageSize: 20 })),
  ListOpportunities: (s) =>
    call(s, 'ListOpportunities', 'GET', '/v1/opportunities' + q({ pageSize: 20, status: rand() < 0.3 ? 'OPPORTUNITY_STATUS_DEVELOPING' : '' })),
  ListTickets: (s) =>
    call(s, 'ListTickets', 'GET', '/v1/tickets' + q({ query: pick(TICKET_TERMS), pageSize: 20, openOnly: rand() < 0.5 ? 'true' : '' })),
  ListReceivables: (s) =>
    call(s, 'ListReceivables', 'GET', '/v1/receivables' + q({ pageSize: 20, overdueOnly: rand() < 0.3 ? 'true' : '' })),
  RunReport: (s) =>
    call(s, 'RunReport', 'GET', '/v1/reports:run' + q({
      kind: pick(REPORTS), 'period.unit': pick(['PERIOD_UNIT_MONTH', 'PERIOD_UNIT_QUARTER', 'PERIOD_UNIT_YEAR']),
      'period.date': shanghaiDate(), pageSize: 50,
    })),
  CreateCustomer: (s) => {
    const m = marker('c');
    const [city, region] = pick(CITIES);
    const [trade, industry] = pick(TRADES);
    const name = `${city}${pick(SYLLABLES)}${pick(SYLLABLES)}〔${m}〕${trade}有限公司`;
    return write(s, 'CreateCustomer', '/v1/customers', {
      requestId: `soak-${m}`,
      customer: { name, region, industry, level: pick(['ordinary', 'ordinary', 'key_prospect', 'major']),
        source: pick(['referral', 'exhibition', 'website', 'cold_call']), address: `${city}市压测路${seq}号` },
    }, { marker: m, text: name });
  },
  CreateInteraction: (s) => {
    const m = marker('i');
    // Reps work a few dozen of their customers at a time.
    const customer = pick(pools[s.username].slice(0, 40));
    const [method, what] = pick(VISITS);
    const summary = `${what}〔${m}〕`;
    const next = new Date(Date.now() + 7 * 86_400_000);
    return write(s, 'CreateInteraction', '/v1/interactions', {
      requestId: `soak-${m}`,
      interaction: { customerId: customer.id, method, occurTime: new Date().toISOString(), summary,
        details: '压测：客户关注交付周期和价格。', result: '约定下周再联系', nextFollowUpDate: dateObj(shanghaiDate(next)) },
    }, { marker: m, text: summary, customerId: customer.id });
  },
  CreateTicket: (s) => {
    const m = marker('t');
    const customer = someCustomer(s.username);
    const [type, channel, what, request] = pick(PROBLEMS);
    const summary = `${what}〔${m}〕`;
    return write(s, 'CreateTicket', '/v1/tickets', {
      requestId: `soak-${m}`,
      ticket: { type, customerId: customer.id, channel, priority: pick(['TICKET_PRIORITY_NORMAL', 'TICKET_PRIORITY_HIGH']),
        summary, request },
    }, { marker: m, text: summary, customerId: customer.id });
  },
};

// Pages through a list as a user, retrying a page that fails (the stack may still be settling).
async function listAll(session, pathAndQuery, field, params = {}) {
  const out = [];
  let token = '';
  do {
    let r;
    for (let attempt = 0; ; attempt++) {
      r = await call(session, 'Verify', 'GET', pathAndQuery + q({ ...params, pageSize: 500, pageToken: token }));
      if (r.ok) break;
      if (attempt >= 30) throw new Error(`${pathAndQuery} as ${session.username}: ${r.key}`);
      await sleep(2000);
    }
    out.push(...(r.json[field] ?? []));
    token = r.json.nextPageToken ?? '';
  } while (token);
  return out;
}

async function loadPools() {
  for (const [u, role] of Object.entries(USERS)) {
    await sessions[u].ready();
    if (role === 'account_manager') {
      const r = await call(sessions[u], 'Setup', 'GET', '/v1/customers' + q({ pageSize: 500 }));
      if (!r.ok) throw new Error(`listing ${u}'s customers: ${r.key}`);
      pools[u] = r.json.customers.map((c) => ({ id: c.id, name: c.name, linked: !!c.salesSystemKey }));
    }
  }
  const all = Object.keys(USERS).filter((u) => USERS[u] === 'account_manager').flatMap((u) => pools[u]);
  // li.na manages 华东 (chen.jie and liu.yang); the others read every customer.
  pools['li.na'] = [...pools['chen.jie'], ...pools['liu.yang']];
  for (const u of ['qian.hui', 'lin.xue', 'zhang.wei']) pools[u] = all;
  for (const [u, pool] of Object.entries(pools)) {
    if (!pool.length) throw new Error(`${u} has no customers to work on`);
  }
}

// ---------------------------------------------------------------------------------------------
// Faults: each part stopped the way the brief says and started again exactly as up.sh started
// it (argv, environment and working directory read from /proc before it is stopped).

const faultLog = []; // {name, part, at, steps: {step: t}, deps, restartAt}
const pidFile = (name) => path.join(local, 'run', `${name}.pid`);

function procInfo(name) {
  const pid = Number(readFileSync(pidFile(name), 'utf8').trim());
  const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((s, i, a) => i < a.length - 1 || s);
  const env = {};
  for (const kv of readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0) env[kv.slice(0, i)] = kv.slice(i + 1);
  }
  const cwd = readlinkSync(`/proc/${pid}/cwd`);
  const grpcPort = Number(argv.find((a) => a.startsWith('--grpc-port='))?.split('=')[1]);
  return { name, pid, argv, env, cwd, grpcPort };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is gone
  } catch {
    return false;
  }
}

async function waitGone(pid, ms) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(100)) if (!alive(pid)) return true;
  return false;
}

function relaunch(info) {
  const logFd = openSync(path.join(local, 'logs', `${info.name}.log`), 'a');
  const child = spawn(info.argv[0], info.argv.slice(1), {
    cwd: info.cwd, env: info.env, detached: true, stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.on('error', (e) => log(`relaunching ${info.name}: ${e.message}`));
  child.unref();
  writeFileSync(pidFile(info.name), `${child.pid}\n`);
  return child.pid;
}

const healthy = (grpcPort) =>
  new Promise((resolve) =>
    execFile(crmctl, [`--addr=localhost:${grpcPort}`, 'health'], { timeout: 3000 }, (err) => resolve(!err)));

async function waitHealthy(grpcPort, ms = 60_000) {
  for (const until = Date.now() + ms; Date.now() < until; await sleep(200)) if (await healthy(grpcPort)) return true;
  return false;
}

const pgCluster = (...a) =>
  new Promise((resolve, reject) =>
    execFile(path.join(root, 'scripts/pg-cluster.sh'), a, { timeout: 120_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`pg-cluster.sh ${a[0]}: ${stderr || err.message}`)) : resolve()));

// The operations that need each part; the views also count a failed section of that part.
const ALL_OPS = [...Object.keys(OPS), 'Login', 'Refresh'];
const FAULTS = [
  {
    name: 'customers SIGKILL', part: 'customers', at: 0.1,
    deps: ['CreateCustomer', 'CreateInteraction', 'CreateTicket', 'ListCustomers', 'SearchCustomers', 'Customer360', 'Workbench'],
    async run(f) {
      const info = procInfo('customers');
      process.kill(info.pid, 'SIGKILL');
      f.steps.killed = now();
      await waitGone(info.pid, 10_000);
      await sleep(5000);
      relaunch(info);
      f.restartAt = f.steps.restarted = now();
      if (await waitHealthy(info.grpcPort)) f.steps.healthy = now();
    },
  },
  {
    name: 'PostgreSQL restart', part: 'postgres', at: 0.3, deps: ALL_OPS,
    async run(f) {
      await pgCluster('stop', path.join(local, 'pg'));
      f.steps.stopped = now();
      await pgCluster('start', path.join(local, 'pg'), String(port(55432)));
      f.restartAt = f.steps.started = now();
    },
  },
  {
    name: 'sales system SIGTERM', part: 'salesys', at: 0.5, deps: ['Customer360'],
    async run(f) {
      const info = procInfo('salesys-fake');
      process.kill(info.pid, 'SIGTERM');
      f.steps.terminated = now();
      if (await waitGone(info.pid, 30_000)) f.steps.exited = now();
      await sleep(Math.max(10_000, 60_000 * scale) - (now() - f.steps.terminated));
      relaunch(info);
      f.restartAt = f.steps.restarted = now();
      if (await waitHealthy(info.grpcPort)) f.steps.healthy = now();
    },
  },
  {
    name: 'gateway SIGTERM', part: 'gateway', at: 0.7, deps: ALL_OPS,
    async run(f) {
      const info = procInfo('gateway');
      process.kill(info.pid, 'SIGTERM');
      f.steps.terminated = now();
      if (await waitGone(info.pid, 60_000)) f.steps.exited = now();
      else log('the gateway did not exit within 60 s of SIGTERM');
      relaunch(info);
      f.restartAt = f.steps.restarted = now();
      if (await waitHealthy(info.grpcPort)) f.steps.healthy = now();
    },
  },
];

async function runFaults(stop) {
  for (const spec of FAULTS) {
    const at = spec.at * durationMs;
    while (now() < at && !stop.done) await sleep(Math.min(200, at - now()));
    if (stop.done) return;
    const f = { name: spec.name, part: spec.part, deps: spec.deps, at: now(), steps: {} };
    faultLog.push(f);
    log(`fault: ${spec.name}`);
    try {
      await spec.run(f);
    } catch (e) {
      f.error = e.message;
      log(`fault ${spec.name} failed: ${e.message}`);
    }
    f.done = now();
    log(`fault ${spec.name} done: ${Object.entries(f.steps).map(([k, v]) => `${k} ${sec(v)}s`).join(', ')}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The load

async function client(i, deadline) {
  const username = CLIENT_USERS[i % CLIENT_USERS.length];
  const s = sessions[username];
  const mix = MIX[USERS[username]];
  await sleep(rand() * 1000);
  while (now() < deadline) {
    const op = pickWeighted(mix);
    try {
      await OPS[op](s);
    } catch (e) {
      // Only a session that cannot sign in for many minutes ends up here.
      samples.push({ op, user: username, start: now(), end: now(), ms: 0, ok: false, key: `session ${e.message}`, sections: [] });
      await sleep(1000);
    }
    await sleep(rand() * 2 * thinkMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The check: every acknowledged write found exactly once, every other one at most once.

async function verify() {
  const found = new Map(); // marker → occurrences
  const foundIds = new Map(); // marker → ids
  const count = (text, id) => {
    const m = /〔([^〕]+)〕/.exec(text ?? '');
    if (!m || !m[1].startsWith(runId + '-')) return;
    found.set(m[1], (found.get(m[1]) ?? 0) + 1);
    foundIds.set(m[1], [...(foundIds.get(m[1]) ?? []), id]);
  };
  // Customers: as each account manager, every customer whose name carries this run's marker.
  for (const u of new Set(writes.filter((w) => w.kind === 'CreateCustomer').map((w) => w.user))) {
    for (const c of await listAll(sessions[u], '/v1/customers', 'customers', { nameContains: `${runId}-c` })) count(c.name, c.id);
  }
  // Interactions: every customer written to, as its owner.
  const byCustomer = new Map();
  for (const w of writes.filter((w) => w.kind === 'CreateInteraction')) byCustomer.set(w.customerId, w.user);
  for (const [customerId, u] of byCustomer) {
    for (const it of await listAll(sessions[u], '/v1/interactions', 'interactions', { customerId })) count(it.summary, it.id);
  }
  // Tickets: every ticket, as the service agent (who sees all of them).
  if (writes.some((w) => w.kind === 'CreateTicket')) {
    for (const t of await listAll(sessions['lin.xue'], '/v1/tickets', 'tickets')) count(t.summary, t.id);
  }
  // Search finds new customers too (a sample, by their marker).
  const searchMisses = [];
  const acked = writes.filter((w) => w.kind === 'CreateCustomer' && w.outcome === 'acknowledged');
  for (const w of acked.filter((_, i) => i % Math.max(1, Math.floor(acked.length / 20)) === 0)) {
    const r = await call(sessions[w.user], 'Verify', 'GET', '/v1/customers:search' + q({ query: w.marker, pageSize: 100 }));
    if (!r.ok || !(r.json.customers ?? []).some((c) => c.name === w.text)) searchMisses.push(w.marker);
  }
  const problems = [];
  for (const w of writes) {
    w.found = found.get(w.marker) ?? 0;
    const ids = foundIds.get(w.marker) ?? [];
    if (w.outcome === 'acknowledged' && w.found === 0) problems.push({ what: 'acknowledged write missing', ...brief(w) });
    if (w.found > 1) problems.push({ what: `${w.outcome} write found ${w.found} times`, ...brief(w), ids });
    if (w.outcome === 'acknowledged' && w.found === 1 && ids[0] !== w.id) {
      problems.push({ what: 'found under another id than acknowledged', ...brief(w), ids });
    }
  }
  const known = new Set(writes.map((w) => w.marker));
  const strays = [...found.keys()].filter((m) => !known.has(m));
  for (const m of strays) problems.push({ what: 'a record this run never attempted', marker: m });
  return { problems, searchMisses };
}
const brief = (w) => ({ kind: w.kind, marker: w.marker, user: w.user, outcome: w.outcome, attempts: w.attempts, id: w.id });

// ---------------------------------------------------------------------------------------------
// The report

const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

// Whether a sample is a failure as far as `part` is concerned (null: any part).
function failsFor(s, fault) {
  if (fault && !fault.deps.includes(s.op)) return false;
  if (!s.ok) return true;
  if (!fault) return s.sections.length > 0;
  return s.sections.some((x) => fault.part === 'postgres' || fault.part === 'gateway' ? x.backend !== 'salesys' : x.backend === fault.part);
}

// Recovery: the first moment r ≥ the fault after which QUIET_MS pass in which no dependent
// operation failed and at least one succeeded; r is the fault itself or the end of a failure.
function recovery(fault, until) {
  const dep = samples.filter((s) => fault.deps.includes(s.op) && s.end >= fault.at && s.end < until).sort((a, b) => a.end - b.end);
  const failures = dep.filter((s) => failsFor(s, fault));
  const describe = (s) => s && (s.ok ? `${s.op} 200 section ${s.sections.map((x) => `${x.name} ${x.code}`).join(', ')}` : `${s.op} ${s.key}`);
  const last = failures.at(-1);
  const out = { failures: failures.length, lastFailureSec: last ? (last.end - fault.at) / 1000 : null, lastFailure: describe(last) };
  for (const r of [fault.at, ...failures.map((s) => s.end)]) {
    if (r + QUIET_MS > until) break;
    const window = dep.filter((s) => s.end > r && s.end <= r + QUIET_MS);
    if (window.some((s) => failsFor(s, fault))) continue;
    if (!window.some((s) => !failsFor(s, fault))) continue;
    const before = failures.filter((s) => s.end <= r);
    return { ...out, at: r, ms: r - fault.at, failuresBefore: before.length, lastBefore: describe(before.at(-1)) };
  }
  return { ...out, at: null, ms: null };
}

function report({ loadEnd, drainEnd, check, processes, setupError }) {
  const loadSec = loadEnd / 1000;
  const ops = samples.filter((s) => s.op !== 'Setup' && s.op !== 'Verify' && s.start >= 0 && s.start < loadEnd);
  const byOp = {};
  for (const s of ops) (byOp[s.op] ??= []).push(s);
  const perOp = Object.fromEntries(Object.entries(byOp).sort().map(([op, xs]) => {
    const okMs = xs.filter((s) => s.ok).map((s) => s.ms);
    return [op, {
      count: xs.length, ok: okMs.length, errors: xs.filter((s) => !s.ok).length,
      partial: xs.filter((s) => s.ok && s.sections.length).length, opsPerSec: xs.length / loadSec,
      p50Ms: pct(okMs, 50), p99Ms: pct(okMs, 99), maxMs: okMs.length ? Math.max(...okMs) : null,
    }];
  }));
  // Windows: the baseline before the first fault, then each fault until the next (the last
  // one until every retried write has finished).
  const bounds = [{ name: 'baseline', from: 0 }, ...faultLog.map((f) => ({ name: f.name, from: f.at, fault: f }))];
  const windows = bounds.map((b, i) => {
    const to = i + 1 < bounds.length ? bounds[i + 1].from : drainEnd;
    const xs = samples.filter((s) => s.op !== 'Setup' && s.op !== 'Verify' && s.end >= b.from && s.end < to);
    const errors = {};
    for (const s of xs) {
      if (!s.ok) errors[`${s.op} ${s.key}`] = (errors[`${s.op} ${s.key}`] ?? 0) + 1;
      for (const x of s.sections) errors[`${s.op} 200 section ${x.name} ${x.code}`] = (errors[`${s.op} 200 section ${x.name} ${x.code}`] ?? 0) + 1;
    }
    const w = { name: b.name, fromSec: b.from / 1000, toSec: to / 1000, requests: xs.length, errors };
    if (b.fault) w.recovery = recovery(b.fault, to);
    return w;
  });
  const outcome = {};
  for (const w of writes) {
    const o = (outcome[w.kind] ??= { attempted: 0, acknowledged: 0, rejected: 0, 'given up': 0, retried: 0, maxAttempts: 0 });
    o.attempted++;
    o[w.outcome]++;
    if (w.attempts.length > 1) o.retried++;
    o.maxAttempts = Math.max(o.maxAttempts, w.attempts.length);
    if (w.attempts.slice(0, -1).some(isAmbiguous)) o.ambiguous = (o.ambiguous ?? 0) + 1;
  }
  const passed = !setupError && check && check.problems.length === 0;
  const json = {
    runId, minutes, clients, thinkMs, faults: faultsOn, started: new Date(t0).toISOString(), base,
    loadSeconds: loadSec, requests: ops.length, opsPerSec: ops.length / loadSec,
    okPerSec: ops.filter((s) => s.ok).length / loadSec, perOp, faultLog, windows, writes: outcome,
    check, processes, errorExamples: Object.fromEntries(examples), setupError, passed,
    recoveryDefinition: RECOVERY_DEFINITION,
  };
  const L = [];
  L.push(`Soak ${runId}: ${minutes} min, ${clients} clients, think time ~${thinkMs} ms, faults ${faultsOn ? 'on' : 'off'}, started ${json.started}`);
  if (setupError) L.push(`SETUP FAILED: ${setupError}`);
  L.push('', `Throughput: ${ops.length} requests in ${sec(loadEnd)} s = ${json.opsPerSec.toFixed(1)} ops/s (${json.okPerSec.toFixed(1)} ops/s answered 200)`);
  L.push('(every HTTP request counts, write retries and sign-ins included; "partial" = a view answered 200 with a section in error)');
  L.push('', 'operation            count     ok  errors partial   ops/s  p50 ms  p99 ms  max ms   (latency of 200 answers)');
  for (const [op, o] of Object.entries(perOp)) {
    L.push(`${op.padEnd(18)} ${String(o.count).padStart(7)} ${String(o.ok).padStart(6)} ${String(o.errors).padStart(7)} ${String(o.partial).padStart(7)} ${o.opsPerSec.toFixed(2).padStart(7)} ${String(o.p50Ms ?? '-').padStart(7)} ${String(o.p99Ms ?? '-').padStart(7)} ${String(o.maxMs ?? '-').padStart(7)}`);
  }
  L.push('', 'Faults (seconds since the load started):');
  if (!faultLog.length) L.push('  none');
  for (const f of faultLog) {
    L.push(`  ${sec(f.at).padStart(6)}  ${f.name}: ${Object.entries(f.steps).map(([k, v]) => `${k} ${sec(v)}`).join(', ')}${f.error ? `  FAILED: ${f.error}` : ''}`);
  }
  L.push('', 'Errors per window (operation, HTTP status and gRPC code or client error; "200 section" = a partial view):');
  for (const w of windows) {
    L.push(`  ${w.name} [${w.fromSec.toFixed(1)}–${w.toSec.toFixed(1)} s), ${w.requests} requests:`);
    const es = Object.entries(w.errors).sort((a, b) => b[1] - a[1]);
    if (!es.length) L.push('      no errors');
    for (const [k, n] of es) L.push(`      ${String(n).padStart(5)}  ${k}`);
  }
  L.push('', 'Recovery after each fault:');
  for (const w of windows.filter((w) => w.recovery)) {
    const f = faultLog.find((f) => f.name === w.name);
    const r = w.recovery;
    const tail = r.failures ? `; last failure in the window ${sec(r.lastFailureSec * 1000)} s after the fault (${r.lastFailure})` : '; no failures';
    if (r.ms === null) L.push(`  ${w.name}: NOT RECOVERED within its window, ${r.failures} failed dependent requests${tail}`);
    else {
      const afterRestart = f.restartAt !== undefined ? `, ${sec(Math.max(0, r.at - f.restartAt))} s after it was started again` : '';
      L.push(`  ${w.name}: ${sec(r.ms)} s after the fault${afterRestart}; ${r.failuresBefore} failed dependent requests before${tail}`);
    }
  }
  L.push(...RECOVERY_DEFINITION.map((l) => '  ' + l));
  L.push('', 'Writes (each retried with its request id while the outcome is unknown, up to 90 s):');
  for (const [k, o] of Object.entries(outcome)) {
    L.push(`  ${k.padEnd(18)} attempted ${o.attempted}, acknowledged ${o.acknowledged}, rejected ${o.rejected}, given up ${o['given up']}; ${o.retried} needed retries (at most ${o.maxAttempts} attempts), ${o.ambiguous ?? 0} after an attempt that may have been carried out`);
  }
  const notAcked = writes.filter((w) => w.outcome !== 'acknowledged');
  for (const w of notAcked.slice(0, 20)) L.push(`    not acknowledged: ${w.kind} ${w.marker} (${w.outcome}; attempts ${w.attempts.join(', ')}; found ${w.found ?? '?'} times)`);
  L.push('', 'Check (acknowledged writes found exactly once, unacknowledged at most once):');
  if (!check) L.push('  NOT RUN');
  else {
    const acked = writes.filter((w) => w.outcome === 'acknowledged');
    L.push(`  acknowledged found exactly once: ${acked.filter((w) => w.found === 1).length}/${acked.length}`);
    L.push(`  unacknowledged found: ${notAcked.filter((w) => w.found === 1).length} once, ${notAcked.filter((w) => !w.found).length} never, ${notAcked.filter((w) => w.found > 1).length} more than once`);
    if (check.searchMisses.length) L.push(`  note: SearchCustomers did not find ${check.searchMisses.length} of the sampled new customers by their marker: ${check.searchMisses.join(', ')}`);
    for (const p of check.problems) L.push(`  PROBLEM: ${JSON.stringify(p)}`);
  }
  if (processes) {
    L.push('', 'Processes after the load:');
    for (const [name, p] of Object.entries(processes)) L.push(`  ${name.padEnd(13)} ${p}`);
  }
  const exampleLines = [...examples].filter(([, m]) => m);
  if (exampleLines.length) {
    L.push('', 'First message of each kind of error:');
    for (const [k, m] of exampleLines) L.push(`  ${k}: ${String(m).slice(0, 240)}`);
  }
  L.push('', passed ? 'RESULT: PASS' : 'RESULT: FAIL');
  return { text: L.join('\n') + '\n', json, passed };
}

const RECOVERY_DEFINITION = [
  'Recovery time = r − f, where f is when the fault was injected and r is the earliest moment, r = f or the',
  `end of a failed request, such that in (r, r + ${QUIET_MS / 1000} s] no request of an operation depending on the faulted part`,
  'failed and at least one of them succeeded. A request fails if it got no 200 (network error, client',
  `deadline of ${REQUEST_TIMEOUT_MS / 1000} s, any non-200 status) or, for the composed views, a 200 with a section of the faulted part`,
  'in error. Dependent: customers → the customer reads and writes, CreateTicket, Customer 360, workbench;',
  'PostgreSQL and the gateway → every operation (incl. sign-in and refresh); the sales system → Customer 360',
  '(its orders section). Requests are placed by when they ended; only those before the next fault count.',
];

// ---------------------------------------------------------------------------------------------

async function main() {
  mkdirSync(artefacts, { recursive: true });
  log(`run ${runId}: ${minutes} min, ${clients} clients against ${base}${faultsOn ? '' : ', no faults'}`);
  let setupError, check, processes, loadEnd = 0, drainEnd = 0;
  try {
    await loadPools();
  } catch (e) {
    setupError = e.message;
  }
  if (!setupError) {
    // The clock starts with the load: the setup's requests move before 0.
    const shift = Date.now() - t0;
    t0 += shift;
    for (const x of samples) (x.start -= shift), (x.end -= shift);
    const deadline = durationMs;
    const stop = { done: false };
    const faults = faultsOn ? runFaults(stop) : Promise.resolve();
    await Promise.all(Array.from({ length: clients }, (_, i) => client(i, deadline)));
    loadEnd = now();
    stop.done = true;
    await faults;
    drainEnd = now();
    log(`load done: ${samples.length} requests, ${writes.length} writes; checking`);
    processes = {};
    for (const name of ['salesys-fake', 'auth', 'customers', 'pipeline', 'contracts', 'payments', 'service', 'analytics', 'gateway']) {
      try {
        const info = procInfo(name);
        processes[name] = `pid ${info.pid} ${(await healthy(info.grpcPort)) ? 'healthy' : 'NOT HEALTHY'}`;
      } catch {
        processes[name] = 'NOT RUNNING';
      }
    }
    try {
      check = await verify();
    } catch (e) {
      setupError = `the check could not run: ${e.message}`;
    }
  }
  const { text, json, passed } = report({ loadEnd, drainEnd, check, processes, setupError });
  writeFileSync(path.join(artefacts, 'report.txt'), text);
  writeFileSync(path.join(artefacts, 'report.json'), JSON.stringify(json, null, 2) + '\n');
  writeFileSync(path.join(artefacts, 'writes.jsonl'), writes.map((w) => JSON.stringify(w)).join('\n') + '\n');
  writeFileSync(path.join(artefacts, 'requests.jsonl'), samples.map((s) => JSON.stringify(s)).join('\n') + '\n');
  process.stdout.write(text);
  log(`report in ${artefacts}`);
  if (setupError) process.exit(2);
  process.exit(passed ? 0 : 1);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
