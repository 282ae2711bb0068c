// The browser tests: the seed's whole flow through the web front end as the different roles,
// at a desktop and a phone viewport, in headless Chromium against a running stack; screenshots
// of each screen kept as artefacts; the app's size and the workbench's time to interactive.
//   node tests/browser/run.mjs --base=http://localhost:9080 --password-file=… \
//        --admin-password-file=… --artefacts=DIR [--only=desktop|phone]
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { Flow } from './lib.mjs';
import * as customers from './steps/customers.mjs';
import * as sales from './steps/sales.mjs';
import * as service from './steps/service.mjs';
import * as reports from './steps/reports.mjs';
import * as app from './steps/app.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const web = path.join(here, '../../web');
const { chromium } = createRequire(path.join(web, 'package.json'))('playwright-core');

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, ...v] = a.replace(/^--/, '').split('=');
    return [k, v.join('=')];
  }),
);
const base = args.base ?? 'http://localhost:8080';
const password = readFileSync(args['password-file'], 'utf8').trim();
const adminPassword = readFileSync(args['admin-password-file'], 'utf8').trim();
const artefacts = args.artefacts ?? path.join(here, '../../.local/artefacts/browser');

const VIEWPORTS = [
  { name: 'desktop', size: { width: 1280, height: 800 }, mobile: false },
  { name: 'phone', size: { width: 390, height: 844 }, mobile: true },
].filter((v) => !args.only || v.name === args.only);

// The seed's flow, in order: each step signs in as the role that does it.
const STEPS = [
  ['account manager creates a customer', customers.createCustomer],
  ['account manager records a follow-up', customers.followUp],
  ['sales manager creates and assigns an opportunity', sales.managerCreatesAndAssigns],
  ['account manager plans and wins it', sales.repPlansAndWins],
  ['account manager creates a contract from the catalogue', sales.repCreatesContract],
  ['sales manager approves the contract', sales.managerApproves],
  ['account manager uploads the contract and signs', sales.repUploadsAndSigns],
  ['finance records a payment', service.financeRecordsPayment],
  ['a ticket loops once and archives', service.ticketLoopsOnceAndArchives],
  ['executive sees it in the reports', reports.executiveSeesReports],
  ['Customer 360, every tab', customers.customer360],
  ['a refused sign-in says so on the sign-in screen', app.refusedSignIn],
  ['menus follow permissions; a denied section shows as unavailable', app.menusFollowPermissions],
  ['the session is refreshed before it expires', app.sessionRefreshes],
  ['English switch', app.englishSwitch],
  ['administration', reports.adminScreens],
];

// JS and CSS gzipped, with and without the chart library's chunk.
function appSize() {
  const dir = path.join(web, 'dist/assets');
  let app = 0,
    charts = 0;
  for (const f of readdirSync(dir)) {
    if (!/\.(js|css)\.gz$/.test(f)) continue;
    const n = statSync(path.join(dir, f)).size;
    if (f.startsWith('echarts-')) charts += n;
    else app += n;
  }
  return { appKiB: +(app / 1024).toFixed(1), chartsKiB: +(charts / 1024).toFixed(1) };
}

const browser = await chromium.launch({
  executablePath: process.env.CRM_CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

const summary = { size: appSize(), viewports: {} };
let failed = 0;
try {
  for (const viewport of VIEWPORTS) {
    const flow = new Flow({
      browser,
      base,
      viewport,
      artefacts: path.join(artefacts, viewport.name),
      password,
      suffix: `${viewport.name === 'phone' ? 'P' : 'D'}${Date.now() % 100000}`,
    });
    flow.adminPassword = adminPassword;
    const result = { steps: [], tti: await app.timeToInteractive(flow) };
    for (const [name, step] of STEPS) {
      const t0 = Date.now();
      try {
        await step(flow);
        result.steps.push({ name, ok: true, seconds: (Date.now() - t0) / 1000 });
        console.log(`ok    ${viewport.name}: ${name} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failed++;
        result.steps.push({ name, ok: false, error: String(e?.message ?? e) });
        console.log(`FAIL  ${viewport.name}: ${name}\n      ${String(e?.stack ?? e).split('\n').slice(0, 6).join('\n      ')}`);
        if (flow.page) await flow.shot(`failed-${name.replace(/\W+/g, '-')}`).catch(() => {});
      }
    }
    if (flow.context) await flow.context.close();
    for (const [what, list] of [
      ['requests to another host', flow.foreignRequests],
      ['uncaught errors in the app', flow.pageErrors],
      ['chart library loaded outside the reports', flow.chartLoads.filter((h) => !h.startsWith('#/reports'))],
    ]) {
      if (list.length) {
        failed++;
        console.log(`FAIL  ${viewport.name}: ${what}:\n      ${list.slice(0, 10).join('\n      ')}`);
      }
    }
    result.foreignRequests = flow.foreignRequests.length;
    result.screenshots = flow.shots;
    summary.viewports[viewport.name] = result;
  }
} finally {
  await browser.close();
}

if (summary.size.appKiB > 300) {
  failed++;
  console.log(`FAIL  the app is ${summary.size.appKiB} KiB gzipped without the charts (budget 300)`);
}
writeFileSync(path.join(artefacts, 'summary.json'), JSON.stringify(summary, null, 2));
console.log(JSON.stringify({ size: summary.size, tti: Object.fromEntries(Object.entries(summary.viewports).map(([k, v]) => [k, v.tti])) }));
console.log(failed ? `${failed} browser check(s) failed` : 'all browser checks passed');
process.exit(failed ? 1 : 0);
