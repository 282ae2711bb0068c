// The reports and the administration in the browser: the executive finds the seed's flow in the
// sales performance, customer contribution and service reports (charts drawn) and exports one
// as CSV; the admin opens every administration tab and creates a user, invalid first.
//
// Uses flow.data.customerName (the customer whose contract was signed and paid by earlier
// steps).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const EXECUTIVE = 'zhang.wei';
const REP_NAME = '陈杰';

const today = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function needs(flow, ...keys) {
  for (const k of keys) {
    if (!flow.data[k]) throw new Error(`flow.data.${k} is not set (an earlier step leaves it)`);
  }
}

// Waits for the report to show a table row that has `text` (or any row, when none is given).
// The read models follow the services' events, so the report is run again until it does.
async function untilRow(page, text, timeout = 60000) {
  const deadline = Date.now() + timeout;
  const rows = page.locator('.table tbody tr', text ? { hasText: text } : {});
  for (;;) {
    await page.waitForSelector('[data-ready=report]', { state: 'attached', timeout: 20000 });
    await page.waitForSelector('[data-action=run]:not([disabled])', { timeout: 20000 });
    if ((await rows.count()) > 0) return rows.first();
    if (Date.now() > deadline) throw new Error(`the report shows no row${text ? ` with "${text}"` : ''} after ${timeout / 1000} s`);
    await sleep(3000);
    await page.click('[data-action=run]');
    await sleep(300);
  }
}

// The chart's canvas, drawn by the lazily loaded chart library.
async function chartDrawn(page) {
  await page.waitForSelector('.chart[data-drawn=true] canvas', { state: 'attached', timeout: 20000 });
  await sleep(800); // the chart's entry animation
}

async function report(flow, slug, query = '') {
  await flow.open(`/reports/${slug}?unit=PERIOD_UNIT_YEAR&date=${today()}${query}`);
}

export async function executiveSeesReports(flow) {
  needs(flow, 'customerName');
  const page = await flow.as(EXECUTIVE);

  // Sales performance this year by owner: the account manager's signed contract.
  await report(flow, 'sales', '&dimension=owner');
  await untilRow(page, REP_NAME);
  await chartDrawn(page);
  await flow.shot('report-sales-performance');

  // Customer contribution: the customer that signed and paid.
  await report(flow, 'contribution');
  await untilRow(page, flow.data.customerName);
  await chartDrawn(page);
  await flow.shot('report-customer-contribution');

  // Its CSV: UTF-8 with a byte-order mark, Chinese titles and the customer.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 30000 }), page.click('[data-action=export]')]);
  const file = path.join(flow.artefacts, `customer-contribution-${flow.viewport.name}.csv`);
  await download.saveAs(file);
  const bytes = readFileSync(file);
  if (!(bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)) {
    throw new Error(`the CSV does not start with a byte-order mark: ${bytes.subarray(0, 8).toString('hex')}`);
  }
  const csv = bytes.subarray(3).toString('utf8');
  if (bytes.subarray(3, 6).toString('hex') === 'efbbbf') throw new Error('the CSV has two byte-order marks');
  if (!csv.includes('客户名称') || !csv.includes(flow.data.customerName)) {
    throw new Error(`the CSV lacks the Chinese titles or the customer: ${csv.slice(0, 200)}`);
  }

  // Service composition: the ticket that looped and was archived.
  await report(flow, 'service');
  const row = await untilRow(page, '');
  await page.locator('.report-totals .stat').first().waitFor();
  await chartDrawn(page);
  await row.scrollIntoViewIfNeeded();
  await flow.shot('report-service-composition');
}

// ---- administration ----

async function tab(flow, id, shot) {
  const page = flow.page;
  await flow.open(`/admin/${id}`);
  await page.waitForSelector(`[data-ready=admin-${id}]`, { state: 'attached', timeout: 20000 });
  await page.locator('.table tbody tr').first().waitFor({ timeout: 20000 });
  await flow.shot(shot);
}

export async function adminScreens(flow) {
  const page = await flow.as('admin', flow.adminPassword);
  await tab(flow, 'users', 'admin-users');
  await tab(flow, 'departments', 'admin-departments');
  await tab(flow, 'roles', 'admin-roles');
  await page.locator('.table tbody tr', { hasText: 'sales_manager' }).first().click();
  await page.locator('input[name=permissions][value="analytics.reports.read"]').waitFor({ timeout: 20000 });
  await flow.shot('admin-role');
  await tab(flow, 'dictionaries', 'admin-dictionaries');

  // A new user: an invalid username and a short password first, each refused beside its field.
  const username = `browser.${flow.suffix.toLowerCase()}`;
  const displayName = `浏览器用户${flow.suffix}`;
  await flow.open('/admin/users/new');
  await page.locator('input[name=roles][value=account_manager]').waitFor({ timeout: 20000 });
  await page.fill('input[name=username]', 'bad name!');
  await page.fill('input[name=displayName]', displayName);
  await page.fill('input[name=initialPassword]', 'short');
  await page.click('[data-action=create]');
  await page.locator('.field.invalid:has(input[name=username]) .field-error').waitFor({ timeout: 15000 });
  await page.locator('.field.invalid:has(input[name=initialPassword]) .field-error').waitFor({ timeout: 15000 });
  await flow.shot('admin-user-invalid');

  await page.fill('input[name=username]', username);
  await page.fill('input[name=initialPassword]', `Qz7-${flow.suffix}-kestrel`);
  const department = page.locator('select[name=departmentId] option:not([value=""])').first();
  await page.selectOption('select[name=departmentId]', await department.getAttribute('value'));
  await page.check('input[name=roles][value=account_manager]');
  await page.click('[data-action=create]');
  await page.waitForFunction(() => /^#\/admin\/users\/[0-9a-f-]{36}$/.test(location.hash), null, { timeout: 20000 });
  await page.locator('h2', { hasText: username }).waitFor({ timeout: 15000 });
  await page.locator('input[name=roles][value=account_manager]:checked').waitFor({ state: 'attached' });
  flow.data.createdUsername = username;
  await flow.shot('admin-user-created');
}
